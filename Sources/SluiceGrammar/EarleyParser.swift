/// An Earley parser over lexemes (llguidance's parser/src/earley/parser.rs design: one Earley set per
/// lexeme, not per byte), with Aycock and Horspool's fix for nullable nonterminals.
///
/// The sets live in one flat array; `truncate(toSetCount:)` pops sets in O(1), which the token-trie walk
/// uses to back out of a token's bytes. Each set keeps the lexer state that starts the lexemes it expects
/// (computed once, when the set is built), and scans are remembered by ``EarleyScanMemo``.
struct EarleyParser {
    let grammar: Grammar
    /// Items of every set, packed as position << 32 | origin.
    private(set) var items: [UInt64] = []
    /// The first item of each set.
    private(set) var setStarts: [Int] = []
    /// Per set: the lexer state that starts any lexeme the set expects (llguidance's `lexer_start_state`).
    private(set) var lexerStarts: [Int32] = []
    /// Per set: its serial (``EarleyScanMemo``), never given twice to different contents.
    private var serials: [Int] = []
    private var lastSerial = 0
    private var memo = EarleyScanMemo()
    /// False: every scan is done afresh and nothing is remembered (the reference mask, for tests).
    var usesMemo = true
    /// The newest set's items, for de-duplication once it has grown past `linearLimit` (smaller sets, nearly
    /// all of them, are searched in place: hashing cost more than the whole scan did).
    private var seen = Set<UInt64>()
    private var seenInUse = false
    private static let linearLimit = 48
    private var predicted: [Int32]
    private var generation: Int32 = 0
    private var expectedScratch: [Int32] = []

    init(grammar: Grammar, lexer: Lexer) throws {
        self.grammar = grammar
        predicted = [Int32](repeating: -1, count: grammar.ruleStarts.count)
        setStarts.append(0)
        for r in grammar.ruleStarts[grammar.startNonterminal] { add(UInt64(UInt32(r)) << 32) }
        lexerStarts.append(try close(lexer: lexer))
        lastSerial += 1
        serials.append(lastSerial)
    }

    var setCount: Int { setStarts.count }
    /// The lexer state that starts the next lexeme after the newest set.
    var currentLexerStart: Int32 { lexerStarts[lexerStarts.count - 1] }
    /// Scans remembered (for tests).
    var memoCount: Int { memo.count }

    /// Whether the input so far is a complete sentence.
    var isAccepting: Bool {
        let k = setStarts.count - 1
        let target = UInt64(UInt32(grammar.acceptPosition)) << 32
        for i in setStarts[k]..<items.count where items[i] == target { return true }
        return false
    }

    mutating func truncate(toSetCount n: Int) {
        guard n < setStarts.count else { return }
        items.removeSubrange(setStarts[n]...)
        setStarts.removeSubrange(n...)
        lexerStarts.removeSubrange(n...)
        serials.removeSubrange(n...)
    }

    @inline(__always)
    private mutating func add(_ item: UInt64) {
        if seenInUse {
            if seen.insert(item).inserted { items.append(item) }
            return
        }
        let start = setStarts[setStarts.count - 1]
        var i = start
        while i < items.count {
            if items[i] == item { return }
            i += 1
        }
        items.append(item)
        if items.count - start >= Self.linearLimit {
            seen.formUnion(items[start...])
            seenInUse = true
        }
    }

    /// Starts de-duplicating a new set.
    private mutating func resetSeen() {
        if seenInUse {
            seen.removeAll(keepingCapacity: true)
            seenInUse = false
        }
    }

    /// Scans the lexemes that lexer state `ended` accepts and builds the next set; false (and no new set) if
    /// nothing advances. A scan already made from the same set is copied from the memo.
    mutating func scan(ending ended: Int32, lexer: Lexer) throws -> Bool {
        let from = serials[serials.count - 1]
        if usesMemo, let known = memo.lookup(serial: from, ended: ended) {
            if known.serial == 0 { return false }
            setStarts.append(items.count)
            items.append(contentsOf: memo.items[known.itemStart..<(known.itemStart + known.itemCount)])
            lexerStarts.append(known.lexerStart)
            serials.append(known.serial)
            return true
        }
        let lexemes = lexer.accepting[Int(ended)]
        let k = setStarts.count - 1
        let start = setStarts[k], end = items.count
        setStarts.append(end)
        resetSeen()
        let symbolAt = grammar.symbolAt
        for i in start..<end {
            let item = items[i]
            let position = Int(item >> 32)
            let symbol = symbolAt[position]
            if symbol >= 0, lexemes.contains(symbol) {
                add(item &+ (1 << 32))
            }
        }
        if items.count == end {
            setStarts.removeLast()
            if usesMemo { memo.recordFailure(serial: from, ended: ended) }
            return false
        }
        let lexerStart: Int32
        do {
            lexerStart = try close(lexer: lexer)
        } catch {
            items.removeSubrange(end...)
            setStarts.removeLast()
            throw error
        }
        lexerStarts.append(lexerStart)
        lastSerial += 1
        serials.append(lastSerial)
        if usesMemo {
            memo.record(serial: from, ended: ended, result: lastSerial, setItems: items[end...], lexerStart: lexerStart)
        }
        return true
    }

    /// Predicts and completes the newest set to closure; returns the lexer state that starts what it expects.
    private mutating func close(lexer: Lexer) throws -> Int32 {
        let k = Int32(setStarts.count - 1)
        generation &+= 1
        let symbolAt = grammar.symbolAt
        // The scratch array is moved out and back, so that it is never copied.
        var expectedLexemes: [Int32] = []
        swap(&expectedLexemes, &expectedScratch)
        expectedLexemes.removeAll(keepingCapacity: true)
        defer { swap(&expectedLexemes, &expectedScratch) }
        var i = setStarts[Int(k)]
        while i < items.count {
            let item = items[i]
            let position = Int32(truncatingIfNeeded: item >> 32)
            let origin = Int32(truncatingIfNeeded: item & 0xFFFF_FFFF)
            let symbol = symbolAt[Int(position)]
            if symbol >= 0 {
                expectedLexemes.append(symbol)
            } else if symbol == -1 {
                // Completion; origin == k only for an empty derivation, covered by the nullable advance.
                if origin != k {
                    let lhsCode = -grammar.lhsAt[Int(position)] - 2
                    let from = setStarts[Int(origin)], to = setStarts[Int(origin) + 1]
                    for j in from..<to {
                        let waiting = items[j]
                        if symbolAt[Int(waiting >> 32)] == lhsCode { add(waiting &+ (1 << 32)) }
                    }
                }
            } else {
                let n = Int(-symbol - 2)
                if predicted[n] != generation {
                    predicted[n] = generation
                    for r in grammar.ruleStarts[n] { add(UInt64(UInt32(r)) << 32 | UInt64(UInt32(k))) }
                }
                if grammar.nullable[n] { add(item &+ (1 << 32)) }
            }
            i += 1
            if i - setStarts[Int(k)] > grammar.limits.maxItemsPerSet {
                throw GrammarError.limitExceeded("more than \(grammar.limits.maxItemsPerSet) Earley items in one set")
            }
        }
        expectedLexemes.sort()
        var unique = 0
        for j in expectedLexemes.indices where unique == 0 || expectedLexemes[unique - 1] != expectedLexemes[j] {
            expectedLexemes[unique] = expectedLexemes[j]
            unique += 1
        }
        expectedLexemes.removeSubrange(unique...)
        return try lexer.start(expectedLexemes)
    }
}
