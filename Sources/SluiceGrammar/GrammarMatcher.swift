/// One request's position in a grammar: which tokens may come next (`computeMask`), advancing by a sampled
/// token (`accept`), whether it may or must stop, and `rollback` of accepted tokens.
///
/// The parse state is an Earley parser plus the lexer's DFA state within the current lexeme. A byte first
/// tries to extend the current lexeme; only if it cannot, and the lexeme so far is complete, the lexeme is
/// handed to the parser and the byte starts the next one (greedy lexing, as llguidance lexes JSON).
/// The parser is the matcher's own; the lexer and its per-state caches are shared with the grammar's other
/// matchers (``SharedLexer``), under its lock. Not thread-safe itself: one matcher per request, used by one
/// thread at a time.
public final class GrammarMatcher {
    public let grammar: Grammar
    public let vocabulary: TokenVocabulary
    private var parser: EarleyParser
    private let shared: SharedLexer
    private let lexer: Lexer
    private var lexerState: Int32
    /// (parser set count, lexer state) before each accepted token, for rollback.
    private var history: [(Int, Int32)] = []
    public private(set) var isTerminated = false
    /// Walk scratch: (parser set count, lexer state) per trie depth.
    private let stackSets: UnsafeMutablePointer<Int>
    private let stackStates: UnsafeMutablePointer<Int32>

    /// - Parameter sharingCaches: false gives the matcher a lexer and caches of its own, empty, as if it were
    ///   the grammar's first (for measurements).
    public init(grammar: Grammar, vocabulary: TokenVocabulary, sharingCaches: Bool = true) throws {
        self.grammar = grammar
        self.vocabulary = vocabulary
        let shared = sharingCaches ? grammar.sharedLexers.acquire(grammar: grammar, vocabulary: vocabulary)
            : SharedLexer(grammar: grammar, vocabulary: vocabulary)
        self.shared = shared
        lexer = shared.lexer
        shared.lock.lock()
        let made = Result { try EarleyParser(grammar: grammar, lexer: shared.lexer) }
        shared.lock.unlock()
        parser = try made.get()
        lexerState = parser.currentLexerStart
        let depth = max(vocabulary.trie.maxDepth, vocabulary.slices.tries.map(\.maxDepth).max() ?? 0) + 1
        stackSets = .allocate(capacity: depth)
        stackSets.initialize(repeating: 0, count: depth)
        stackStates = .allocate(capacity: depth)
        stackStates.initialize(repeating: 0, count: depth)
    }

    deinit {
        stackSets.deallocate()
        stackStates.deallocate()
    }

    /// Lexer DFA states created so far, by every matcher sharing this one's lexer (for measurements).
    public var lexerStateCount: Int {
        shared.lock.lock()
        defer { shared.lock.unlock() }
        return lexer.stateCount
    }

    /// How many slices the current lexer state takes whole (for tests: proof that the fast path ran).
    var slicesTaken: Int {
        get throws {
            shared.lock.lock()
            defer { shared.lock.unlock() }
            return try shared.split(lexerState).slicePrefix
        }
    }

    /// Moves from `state` by one byte; may scan a finished lexeme into the parser (pushing a set).
    /// Returns the new lexer state, or 0 (dead) with the parser unchanged.
    @inline(__always)
    private static func step(_ state: Int32, _ byte: UInt8, lexer: Lexer, parser: inout EarleyParser) throws -> Int32 {
        let next = try lexer.next(state, byte)
        if next != 0 { return next }
        return try endLexeme(state, byte, lexer: lexer, parser: &parser)
    }

    /// The byte cannot extend the lexeme at `state`: scans the lexeme if it is complete and starts the next
    /// one with the byte. Returns the new lexer state, or 0 (dead) with the parser unchanged.
    private static func endLexeme(_ state: Int32, _ byte: UInt8, lexer: Lexer, parser: inout EarleyParser) throws -> Int32 {
        if !lexer.hasAccepting[Int(state)] { return 0 }
        let before = parser.setCount
        guard try parser.scan(ending: state, lexer: lexer) else { return 0 }
        let restart = try lexer.next(parser.currentLexerStart, byte)
        if restart == 0 { parser.truncate(toSetCount: before) }
        return restart
    }

    /// Whether the grammar is complete at `state` with the parser as it is (the parser is left unchanged).
    private func canFinish(at state: Int32) throws -> Bool {
        let setCount = parser.setCount
        if parser.isAccepting, state == parser.currentLexerStart { return true }
        guard lexer.hasAccepting[Int(state)], try parser.scan(ending: state, lexer: lexer) else { return false }
        let result = parser.isAccepting
        parser.truncate(toSetCount: setCount)
        return result
    }

    /// Whether generation may stop here (an end token is allowed).
    public func canFinish() throws -> Bool {
        if isTerminated { return true }
        shared.lock.lock()
        defer { shared.lock.unlock() }
        return try canFinish(at: lexerState)
    }

    /// Whether the input so far is complete and nothing more can follow.
    public func isFinished() throws -> Bool {
        if isTerminated { return true }
        guard try canFinish() else { return false }
        var mask = TokenBitmask(size: vocabulary.size)
        try computeMask(into: &mask, includeEnd: false, reference: false)
        return mask.allowedCount == 0
    }

    /// Sets exactly the bits of the tokens allowed next, end tokens included when the grammar can finish.
    public func computeMask(into mask: inout TokenBitmask) throws {
        try computeMask(into: &mask, includeEnd: true, reference: false)
    }

    /// The same mask by the plain walk: the whole trie with the lexer alone, no slices, no cached splits. Slow;
    /// the reference that tests hold ``computeMask(into:)`` to, bit for bit.
    public func computeReferenceMask(into mask: inout TokenBitmask) throws {
        try computeMask(into: &mask, includeEnd: true, reference: true)
    }

    private func computeMask(into mask: inout TokenBitmask, includeEnd: Bool, reference: Bool) throws {
        if isTerminated {
            for i in mask.words.indices { mask.words[i] = 0 }
            return
        }
        shared.lock.lock()
        defer { shared.lock.unlock() }
        parser.usesMemo = !reference
        defer { parser.usesMemo = true }
        let split = reference ? try shared.plainSplit(lexerState) : try shared.split(lexerState)
        split.writeInside(into: &mask.words, slices: vocabulary.slices)
        let baseSets = parser.setCount
        try mask.words.withUnsafeMutableBufferPointer { words in
            guard let words = words.baseAddress else { return }
            var k = 0
            let count = split.boundaryCount
            while k < count {
                // Boundaries are grouped by the state the lexeme ends in: one parser scan per group.
                let ended = split.boundaryStates[k]
                var groupEnd = k
                while groupEnd < count, split.boundaryStates[groupEnd] == ended { groupEnd += 1 }
                defer { k = groupEnd }
                guard try parser.scan(ending: ended, lexer: lexer) else { continue }
                let restartFrom = parser.currentLexerStart
                let scannedSets = parser.setCount
                var trieIndex: Int32 = -1
                var trie = vocabulary.trie
                for b in k..<groupEnd {
                    if split.boundaryTries[b] != trieIndex {
                        trieIndex = split.boundaryTries[b]
                        trie = vocabulary.trie(Int(trieIndex))
                    }
                    let node = Int(split.boundaryNodes[b])
                    if parser.setCount != scannedSets { parser.truncate(toSetCount: scannedSets) }
                    let restart = try lexer.next(restartFrom, trie.byte[node])
                    if restart == 0 { continue }
                    let d = Int(trie.depth[node])
                    stackStates[d] = restart
                    stackSets[d] = scannedSets
                    for t in Int(trie.tokenStart[node])..<Int(trie.tokenStart[node + 1]) {
                        let token = Int(trie.tokenIDs[t])
                        words[token &>> 6] |= 1 &<< UInt64(token & 63)
                    }
                    try Self.walk(trie, from: node + 1, to: Int(trie.subtreeEnd[node]), lexer: lexer, parser: &parser,
                                  stackSets: stackSets, stackStates: stackStates, words: words)
                }
                parser.truncate(toSetCount: baseSets)
            }
        }
        parser.truncate(toSetCount: baseSets)
        if includeEnd, try canFinish(at: lexerState) {
            for t in vocabulary.endTokenIDs where t < mask.size { mask.allow(t) }
        }
    }

    /// Walks `trie`'s nodes [from, to) with the parser in the loop: the stack entries above the nodes' parent
    /// depth must be set. Static, with the parser passed inout and the stacks as pointers, so that the loop
    /// makes no class-property accesses; the lexer's table is read through a pointer refreshed after each
    /// slow-path transition.
    private static func walk(_ trie: TokenTrie, from: Int, to: Int, lexer: Lexer, parser: inout EarleyParser,
                             stackSets: UnsafeMutablePointer<Int>, stackStates: UnsafeMutablePointer<Int32>,
                             words: UnsafeMutablePointer<UInt64>) throws {
        var table = UnsafePointer(lexer.table)
        try trie.withNodes { nodes in
            let (bytes, depths, ends) = (nodes.byte, nodes.depth, nodes.subtreeEnd)
            let (tokenStart, tokenIDs) = (nodes.tokenStart, nodes.tokenIDs)
            var i = from
            while i < to {
                let d = Int(depths[i])
                let parentSets = stackSets[d &- 1]
                if parser.setCount != parentSets { parser.truncate(toSetCount: parentSets) }
                let state = stackStates[d &- 1]
                let byte = bytes[i]
                var next = table[Int(state) &* 256 &+ Int(byte)]
                if next < 0 {
                    next = try lexer.next(state, byte)
                    table = UnsafePointer(lexer.table)
                }
                if next == 0 {
                    next = try endLexeme(state, byte, lexer: lexer, parser: &parser)
                    table = UnsafePointer(lexer.table)
                    if next == 0 {
                        i = Int(ends[i])
                        continue
                    }
                }
                stackStates[d] = next
                stackSets[d] = parser.setCount
                var k = Int(tokenStart[i])
                let last = Int(tokenStart[i &+ 1])
                while k < last {
                    let t = Int(tokenIDs[k])
                    words[t &>> 6] |= 1 &<< UInt64(t & 63)
                    k &+= 1
                }
                i &+= 1
            }
        }
    }

    /// Advances by `token`; false (state unchanged) when the grammar does not allow it.
    @discardableResult
    public func accept(_ token: Int) throws -> Bool {
        if isTerminated { return false }
        if vocabulary.endTokenIDs.contains(token) {
            shared.lock.lock()
            defer { shared.lock.unlock() }
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
        shared.lock.lock()
        defer { shared.lock.unlock() }
        let savedSets = parser.setCount, savedState = lexerState
        var state = lexerState
        for b in bytes {
            state = try Self.step(state, b, lexer: lexer, parser: &parser)
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
