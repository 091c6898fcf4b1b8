import Foundation

/// What the matchers of one compiled grammar share over one vocabulary: the lexer's DFA and each lexer
/// state's ``LexemeSplit``. The engine compiles a grammar once and makes a matcher per request, so the second
/// request of a schema finds its lexer states and their splits already made (llguidance shares its lexer
/// between a parser's forks the same way, parser/src/earley/parser.rs `SharedState`).
///
/// Thread-safe by `lock`, which ``GrammarMatcher`` holds around each of its calls: the walk reads the DFA's
/// table through a pointer that a transition made by another thread could move.
final class SharedLexer: @unchecked Sendable {
    // @unchecked: `lexer` and `splits` are only touched with `lock` held (GrammarMatcher takes it in every
    // method that reaches them; `split` and `plainSplit` are only called from there).
    let lock = NSLock()
    let lexer: Lexer
    let vocabulary: TokenVocabulary
    private var splits: [Int32: LexemeSplit] = [:]
    /// One byte per class of (lexer byte class, content class): the slice test probes these only.
    private let probes: [UInt8]

    /// Splits kept at most; past it the cache starts over (a long-lived grammar must not grow without bound:
    /// a split holds up to a mask's worth of words).
    static let maxCachedSplits = 1024
    /// Above this many tokens, a split keeps its inside tokens as a bitmask rather than a list.
    private static let denseThreshold = 4096

    init(grammar: Grammar, vocabulary: TokenVocabulary) {
        lexer = Lexer(grammar: grammar)
        self.vocabulary = vocabulary
        let contentClass = vocabulary.slices.automaton.byteClasses
        var seen = Set<Int64>()
        var probes: [UInt8] = []
        for b in 0..<256 where seen.insert(Int64(lexer.byteClass[b]) << 32 | Int64(contentClass[b])).inserted {
            probes.append(UInt8(b))
        }
        self.probes = probes
    }

    /// State `state`'s split, cached: slices the state accepts whole are OR-ed in, the other slices' tries
    /// and the rest are walked with the lexer alone.
    func split(_ state: Int32) throws -> LexemeSplit {
        if let split = splits[state] { return split }
        let slices = vocabulary.slices
        let reach = try sliceReach(state)
        var taken = 0
        while taken < slices.count, slices.maxLengths[taken] <= reach { taken += 1 }
        let split: LexemeSplit
        if taken == 0 {
            split = try walkSplit(state, tries: [0], slicePrefix: 0)
        } else {
            split = try walkSplit(state, tries: Array((taken...slices.count).map(TokenSlices.trieIndex(ofSlice:))), slicePrefix: taken)
        }
        if splits.count >= Self.maxCachedSplits { splits.removeAll(keepingCapacity: true) }
        splits[state] = split
        return split
    }

    /// The plain split of `state`: the whole trie walked with the lexer alone, no slices, nothing cached. The
    /// reference the sliced split must equal bit for bit (tests call it through
    /// ``GrammarMatcher/computeReferenceMask(into:)``).
    func plainSplit(_ state: Int32) throws -> LexemeSplit {
        try walkSplit(state, tries: [0], slicePrefix: 0)
    }

    /// The longest length h (up to the longest sliced token) such that every string of at most h bytes that
    /// keeps the content automaton alive also keeps the lexer alive from `state`: then every slice whose
    /// tokens are at most h bytes long lies inside the current lexeme. A breadth-first search over pairs of
    /// (content state, lexer state); a pair seen before was seen at a depth no greater, with as much or more
    /// length left, so it is not searched again.
    func sliceReach(_ state: Int32) throws -> Int {
        let slices = vocabulary.slices
        let cap = slices.longest
        if cap == 0 { return 0 }
        // The state lives while any of its expressions does: one that provably lives on all content (the
        // general key of an open object, whose DFA states follow every declared key's prefix) settles it
        // without searching the states.
        for e in lexer.memberExpressions(state) where try livesOnContent(e) { return cap }
        let automaton = slices.automaton
        var frontier: [(Int32, Int32)] = [(1, state)]
        var seen: Set<Int64> = [Int64(1) << 32 | Int64(state)]
        var depth = 0
        while !frontier.isEmpty, depth < cap {
            depth += 1
            var next: [(Int32, Int32)] = []
            for (content, lexerState) in frontier {
                for b in probes {
                    let c = automaton.next(content, b)
                    if c == 0 { continue }
                    let l = try lexer.next(lexerState, b)
                    if l == 0 { return depth - 1 }
                    if seen.insert(Int64(c) << 32 | Int64(l)).inserted { next.append((c, l)) }
                }
            }
            frontier = next
        }
        return cap
    }

    /// Whether every derivative of `e` by a content string of at most ``TokenSlices/longest`` bytes is
    /// neither nothing nor empty (so it never dies, and never stops an `And` around it from living). Sound
    /// rules first, where a search would follow every key prefix: an `or` lives if one member does; a
    /// `concat` if its head does; an `and` of one living member and negations of finite languages (a finite
    /// language never derives Σ*, so its negation never dies nor turns into a byte set); otherwise a search
    /// over pairs of (content state, expression) for a repetition, exact but with a work budget. False
    /// means "not shown", and the search over lexer states decides. Memoized per expression.
    func livesOnContent(_ e: ExpressionID) throws -> Bool {
        if let known = livingExpressions[e] { return known }
        let result: Bool
        switch lexer.node(e) {
        case .nothing, .empty: result = false
        case let .or(members): result = try members.contains { try livesOnContent($0) }
        case let .concat(head, _): result = try livesOnContent(head)
        case let .and(members):
            var living = 0, ok = true
            for m in members {
                if case let .not(x) = lexer.node(m), isFinite(x) { continue }
                living += 1
                if try living > 1 || !livesOnContent(m) { ok = false; break }
            }
            result = ok
        case let .not(x): result = isFinite(x)
        case .bytes: result = false
        case let .repeatRange(x, _, max):
            // Each byte starts at most one repetition, so within the test's depth a bound above it is never
            // reached: x{m,M} with M > longest dies or turns empty on exactly the strings x{0,} does. One search
            // per x, instead of one per count left (a string's maxLength makes a new count at every byte).
            if let max, max > vocabulary.slices.longest {
                result = try livesOnContent(lexer.unboundedRepeat(x))
            } else {
                result = try searchLivesOnContent(e)
            }
        }
        livingExpressions[e] = result
        return result
    }

    private var livingExpressions: [ExpressionID: Bool] = [:]

    /// Whether `e`'s language is finite: no unbounded repetition, no negation.
    private func isFinite(_ e: ExpressionID) -> Bool {
        switch lexer.node(e) {
        case .nothing, .empty, .bytes: return true
        case let .concat(a, b): return isFinite(a) && isFinite(b)
        case let .or(members): return members.allSatisfy(isFinite)
        case let .and(members): return members.contains(where: isFinite)
        case .not: return false
        case let .repeatRange(x, _, max): return max != nil && isFinite(x)
        }
    }

    /// The exact test behind ``livesOnContent(_:)``: a breadth-first search over (content state, derivative)
    /// pairs up to the longest sliced token, failing on a derivative that is nothing or empty.
    func searchLivesOnContent(_ e: ExpressionID) throws -> Bool {
        let slices = vocabulary.slices
        let automaton = slices.automaton
        var frontier: [(Int32, ExpressionID)] = [(1, e)]
        var seen: Set<Int64> = [Int64(1) << 32 | Int64(e)]
        var depth = 0, work = 0
        while !frontier.isEmpty, depth < slices.longest {
            depth += 1
            var next: [(Int32, ExpressionID)] = []
            for (content, expression) in frontier {
                for b in probes {
                    let c = automaton.next(content, b)
                    if c == 0 { continue }
                    work += 1
                    if work > Self.searchBudget { return false }
                    let d = try lexer.derivative(expression, b)
                    if d == ExpressionSet.nothing || d == ExpressionSet.empty { return false }
                    if seen.insert(Int64(c) << 32 | Int64(d)).inserted { next.append((c, d)) }
                }
            }
            frontier = next
        }
        return true
    }

    /// Derivatives the expression search may take before it gives up (and the product search decides).
    private static let searchBudget = 2_000

    /// Walks `tries` from `state` with the lexer alone: the tokens whose every byte extends the lexeme, and
    /// the nodes where it ends in an accepting state.
    private func walkSplit(_ state: Int32, tries: [Int], slicePrefix: Int) throws -> LexemeSplit {
        var inside = [UInt64](repeating: 0, count: (vocabulary.size + 63) / 64)
        var insideCount = 0
        var boundaries: [(state: Int32, trie: Int32, node: Int32)] = []
        for index in tries {
            let trie = vocabulary.trie(index)
            var states = [Int32](repeating: 0, count: trie.maxDepth + 1)
            states[0] = state
            // The hot loop of a cold lexer state: plain pointers, the transition table re-read only after a
            // slow-path transition (which may reallocate it).
            var table = UnsafePointer(lexer.table)
            try trie.withNodes { nodes in
                let (bytes, depths, ends) = (nodes.byte, nodes.depth, nodes.subtreeEnd)
                let (tokenStart, tokenIDs) = (nodes.tokenStart, nodes.tokenIDs)
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
                                if lexer.hasAccepting[Int(from)] { boundaries.append((from, Int32(index), Int32(i))) }
                                i = Int(ends[i])
                                continue
                            }
                            states[d] = next
                            var k = Int(tokenStart[i])
                            let last = Int(tokenStart[i &+ 1])
                            insideCount &+= last &- k
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
        boundaries.sort { ($0.state, $0.trie, $0.node) < ($1.state, $1.trie, $1.node) }
        var insideTokens: [Int32] = []
        var dense: [UInt64]?
        if insideCount > Self.denseThreshold {
            let base = vocabulary.slices.cumulativeMasks[slicePrefix]
            for w in inside.indices { inside[w] |= base[w] }
            dense = inside
        } else {
            insideTokens.reserveCapacity(insideCount)
            for (w, word) in inside.enumerated() where word != 0 {
                var bits = word
                while bits != 0 {
                    insideTokens.append(Int32(w << 6 | bits.trailingZeroBitCount))
                    bits &= bits &- 1
                }
            }
        }
        return LexemeSplit(slicePrefix: slicePrefix, insideTokens: insideTokens, denseInside: dense,
                           boundaryTries: boundaries.map(\.trie), boundaryNodes: boundaries.map(\.node),
                           boundaryStates: boundaries.map(\.state))
    }
}

/// The slot in a ``Grammar`` where its matchers find their ``SharedLexer``: made by the first matcher, then
/// handed to every later one over the same vocabulary, and made afresh once its lexer has grown past a
/// quarter of the grammar's state limit (matchers that hold the old one keep it until they end).
final class SharedLexerSlot: @unchecked Sendable {
    // @unchecked: `current` is only touched with `lock` held.
    private let lock = NSLock()
    private var current: SharedLexer?

    func acquire(grammar: Grammar, vocabulary: TokenVocabulary) -> SharedLexer {
        lock.lock()
        defer { lock.unlock() }
        if let current, current.vocabulary === vocabulary {
            current.lock.lock()
            let worn = current.lexer.stateCount > grammar.limits.maxLexerStates / 4
            current.lock.unlock()
            if !worn { return current }
        }
        let made = SharedLexer(grammar: grammar, vocabulary: vocabulary)
        current = made
        return made
    }
}
