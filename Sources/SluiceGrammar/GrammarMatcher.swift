/// One request's position in a grammar: which tokens may come next (`computeMask`), advancing by a sampled
/// token (`accept`), whether it may or must stop, and `rollback` of accepted tokens.
///
/// The parse state is an Earley parser plus the lexer's DFA state within the current lexeme. A byte first
/// tries to extend the current lexeme; only if it cannot, and the lexeme so far is complete, the lexeme is
/// handed to the parser and the byte starts the next one (greedy lexing, as llguidance lexes JSON).
/// Not thread-safe: one matcher per request, used by one thread at a time.
public final class GrammarMatcher {
    public let grammar: Grammar
    public let vocabulary: TokenVocabulary
    private var parser: EarleyParser
    private let lexer: Lexer
    private var lexerState: Int32
    /// (parser set count, lexer state) before each accepted token, for rollback.
    private var history: [(Int, Int32)] = []
    public private(set) var isTerminated = false
    /// Per lexer state: the tokens that stay inside the lexeme, and where the lexeme ends.
    private var splits: [Int32: LexemeSplit] = [:]
    /// Walk scratch: (parser set count, lexer state) per trie depth.
    private var stackSets: [Int]
    private var stackStates: [Int32]

    public init(grammar: Grammar, vocabulary: TokenVocabulary) throws {
        self.grammar = grammar
        self.vocabulary = vocabulary
        parser = try EarleyParser(grammar: grammar)
        lexer = Lexer(grammar: grammar)
        lexerState = try lexer.start(parser.currentExpected)
        stackSets = [Int](repeating: 0, count: vocabulary.trie.maxDepth + 1)
        stackStates = [Int32](repeating: 0, count: vocabulary.trie.maxDepth + 1)
    }

    /// Lexer DFA states created so far (for measurements).
    public var lexerStateCount: Int { lexer.stateCount }

    /// Moves from `state` by one byte; may scan a finished lexeme into the parser (pushing a set).
    /// Returns the new lexer state, or 0 (dead) with the parser unchanged.
    @inline(__always)
    private func step(_ state: Int32, _ byte: UInt8) throws -> Int32 {
        let next = try lexer.next(state, byte)
        if next != 0 { return next }
        let accepting = lexer.accepting[Int(state)]
        if accepting.isEmpty { return 0 }
        let before = parser.setCount
        guard try parser.scan(accepting) else { return 0 }
        let restart = try lexer.next(try lexer.start(parser.currentExpected), byte)
        if restart == 0 { parser.truncate(toSetCount: before) }
        return restart
    }

    /// Whether the grammar is complete at `state` with the parser as it is (the parser is left unchanged).
    private func canFinish(at state: Int32) throws -> Bool {
        let setCount = parser.setCount
        if parser.isAccepting, state == (try lexer.start(parser.currentExpected)) { return true }
        let accepting = lexer.accepting[Int(state)]
        guard !accepting.isEmpty, try parser.scan(accepting) else { return false }
        let result = parser.isAccepting
        parser.truncate(toSetCount: setCount)
        return result
    }

    /// Whether generation may stop here (an end token is allowed).
    public func canFinish() throws -> Bool {
        isTerminated ? true : try canFinish(at: lexerState)
    }

    /// Whether the input so far is complete and nothing more can follow.
    public func isFinished() throws -> Bool {
        if isTerminated { return true }
        guard try canFinish() else { return false }
        var mask = TokenBitmask(size: vocabulary.size)
        try computeMask(into: &mask, includeEnd: false)
        return mask.allowedCount == 0
    }

    /// Sets exactly the bits of the tokens allowed next, end tokens included when the grammar can finish.
    public func computeMask(into mask: inout TokenBitmask) throws {
        try computeMask(into: &mask, includeEnd: true)
    }

    private func computeMask(into mask: inout TokenBitmask, includeEnd: Bool) throws {
        if isTerminated {
            for i in mask.words.indices { mask.words[i] = 0 }
            return
        }
        let split = try lexemeSplit(lexerState)
        mask.words = split.inside
        let baseSets = parser.setCount
        let trie = vocabulary.trie
        var k = 0
        let count = split.boundaryNodes.count
        while k < count {
            // Boundaries are grouped by the state the lexeme ends in: one parser scan per group.
            let ended = split.boundaryStates[k]
            var groupEnd = k
            while groupEnd < count, split.boundaryStates[groupEnd] == ended { groupEnd += 1 }
            defer { k = groupEnd }
            guard try parser.scan(lexer.accepting[Int(ended)]) else { continue }
            let restartFrom = try lexer.start(parser.currentExpected)
            let scannedSets = parser.setCount
            for b in k..<groupEnd {
                let node = Int(split.boundaryNodes[b])
                if parser.setCount != scannedSets { parser.truncate(toSetCount: scannedSets) }
                let restart = try lexer.next(restartFrom, trie.byte[node])
                if restart == 0 { continue }
                let d = Int(trie.depth[node])
                stackStates[d] = restart
                stackSets[d] = scannedSets
                for t in Int(trie.tokenStart[node])..<Int(trie.tokenStart[node + 1]) {
                    mask.allow(Int(trie.tokenIDs[t]))
                }
                try walk(from: node + 1, to: Int(trie.subtreeEnd[node]), mask: &mask)
            }
            parser.truncate(toSetCount: baseSets)
        }
        parser.truncate(toSetCount: baseSets)
        if includeEnd, try canFinish(at: lexerState) {
            for t in vocabulary.endTokenIDs where t < mask.size { mask.allow(t) }
        }
    }

    /// Walks trie nodes [from, to) with the parser in the loop: the stack entries above the nodes' parent
    /// depth must be set.
    private func walk(from: Int, to: Int, mask: inout TokenBitmask) throws {
        let trie = vocabulary.trie
        try trie.byte.withUnsafeBufferPointer { bytes in
            try trie.depth.withUnsafeBufferPointer { depths in
                try trie.subtreeEnd.withUnsafeBufferPointer { ends in
                    try trie.tokenStart.withUnsafeBufferPointer { tokenStart in
                        try mask.words.withUnsafeMutableBufferPointer { words in
                            var i = from
                            while i < to {
                                let d = Int(depths[i])
                                let parentSets = stackSets[d - 1]
                                if parser.setCount != parentSets { parser.truncate(toSetCount: parentSets) }
                                let next = try step(stackStates[d - 1], bytes[i])
                                if next == 0 {
                                    i = Int(ends[i])
                                    continue
                                }
                                stackStates[d] = next
                                stackSets[d] = parser.setCount
                                let first = Int(tokenStart[i]), last = Int(tokenStart[i + 1])
                                if first != last {
                                    for k in first..<last {
                                        let t = Int(trie.tokenIDs[k])
                                        words[t >> 6] |= 1 << UInt64(t & 63)
                                    }
                                }
                                i += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The part of the mask a lexer state decides alone, cached per state: tokens that stay inside the
    /// current lexeme, and the trie nodes where the lexeme ends (grouped by the state it ends in), which
    /// need the parser. This is what makes masks inside long strings cheap; llguidance gets the same
    /// effect from its precomputed "slices" (toktrie's `SlicedBiasComputer`).
    private func lexemeSplit(_ state: Int32) throws -> LexemeSplit {
        if let split = splits[state] { return split }
        let trie = vocabulary.trie
        var inside = [UInt64](repeating: 0, count: (vocabulary.size + 63) / 64)
        var boundaries: [(node: Int32, state: Int32)] = []
        var states = [Int32](repeating: 0, count: trie.maxDepth + 1)
        states[0] = state
        // The hot loop of a cold lexer state: plain pointers, the transition table re-read only after a
        // slow-path transition (which may reallocate it).
        var table = UnsafePointer(lexer.table)
        try trie.byte.withUnsafeBufferPointer { bytes in
            try trie.depth.withUnsafeBufferPointer { depths in
                try trie.subtreeEnd.withUnsafeBufferPointer { ends in
                    try trie.tokenStart.withUnsafeBufferPointer { tokenStart in
                        try trie.tokenIDs.withUnsafeBufferPointer { tokenIDs in
                            try states.withUnsafeMutableBufferPointer { states in
                                try inside.withUnsafeMutableBufferPointer { inside in
                                    var i = 1
                                    let n = bytes.count
                                    while i < n {
                                        let d = Int(depths[i])
                                        let from = states[d &- 1]
                                        var next = table[Int(from) &* 256 &+ Int(bytes[i])]
                                        if next < 0 {
                                            next = try lexer.next(from, bytes[i])
                                            table = UnsafePointer(lexer.table)
                                        }
                                        if next == 0 {
                                            if lexer.hasAccepting[Int(from)] { boundaries.append((Int32(i), from)) }
                                            i = Int(ends[i])
                                            continue
                                        }
                                        states[d] = next
                                        var k = Int(tokenStart[i])
                                        let last = Int(tokenStart[i &+ 1])
                                        while k < last {
                                            let t = Int(tokenIDs[k])
                                            inside[t &>> 6] |= 1 &<< UInt64(t & 63)
                                            k &+= 1
                                        }
                                        i &+= 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        boundaries.sort { ($0.state, $0.node) < ($1.state, $1.node) }
        let split = LexemeSplit(inside: inside, boundaryNodes: boundaries.map(\.node), boundaryStates: boundaries.map(\.state))
        splits[state] = split
        return split
    }

    /// Advances by `token`; false (state unchanged) when the grammar does not allow it.
    @discardableResult
    public func accept(_ token: Int) throws -> Bool {
        if isTerminated { return false }
        if vocabulary.endTokenIDs.contains(token) {
            guard try canFinish(at: lexerState) else { return false }
            history.append((parser.setCount, lexerState))
            isTerminated = true
            return true
        }
        guard token >= 0, token < vocabulary.size else { return false }
        return try accept(bytes: vocabulary.tokenBytes[token])
    }

    /// Advances by raw bytes (a forced or test string); false (state unchanged) if they do not fit.
    @discardableResult
    public func accept(bytes: [UInt8]) throws -> Bool {
        if isTerminated || bytes.isEmpty { return false }
        let savedSets = parser.setCount, savedState = lexerState
        var state = lexerState
        for b in bytes {
            state = try step(state, b)
            if state == 0 {
                parser.truncate(toSetCount: savedSets)
                return false
            }
        }
        history.append((savedSets, savedState))
        lexerState = state
        return true
    }

    /// Undoes the last `count` accepted tokens.
    public func rollback(_ count: Int) {
        guard count > 0, count <= history.count else { return }
        let (sets, state) = history[history.count - count]
        history.removeLast(count)
        parser.truncate(toSetCount: sets)
        lexerState = state
        isTerminated = false
    }
}

/// A lexer state's share of a mask (see `GrammarMatcher.lexemeSplit`).
struct LexemeSplit {
    /// [vocabulary / 64] tokens whose bytes all extend the current lexeme.
    let inside: [UInt64]
    /// Trie nodes whose byte ends the lexeme, and the lexer state it ends in, sorted by state.
    let boundaryNodes: [Int32]
    let boundaryStates: [Int32]
}
