/// The vocabulary cut into slices for lexer states inside JSON strings, after llguidance's slicer
/// (parser/src/earley/slicer.rs: `SlicedBiasComputer` and its `json_slices`): the tokens that could be the
/// content of a JSON string (`[^"\\\x00-\x1F\x7F]`, UTF-8) are split by byte length, the rest is one more
/// slice. Each slice has its token mask and its own trie, built once per tokenizer.
///
/// Where a lexer state keeps every string of that content class alive for a slice's longest token (the
/// current lexeme accepts the whole slice), the slice's mask is OR-ed in and its trie is not walked; only the
/// slices that fail the test and the rest are walked (``SharedLexer/split(_:)``). A cold state inside a string
/// then walks a few thousand trie nodes instead of 333,000.
///
/// Unlike llguidance, a token belongs to a slice when it could *begin* such content (the class automaton
/// stays alive on all its bytes), so tokens that end inside a UTF-8 character are sliced too; and the test is
/// a search over pairs of (class automaton state, lexer state) rather than a regex containment check. Both
/// are exact: a slice is OR-ed in only when every token in it would have been found inside by the walk.
struct TokenSlices: Sendable {
    /// The longest token of each slice, increasing; slices cover lengths in order and do not overlap.
    let maxLengths: [Int]
    /// Per slice: the tries of its tokens (`tries[maxLengths.count]` holds the tokens of no slice).
    let tries: [TokenTrie]
    /// `cumulativeMasks[k]`: [vocabulary / 64] the tokens of the first k slices.
    let cumulativeMasks: [[UInt64]]
    /// The content class as a byte DFA.
    let automaton: ContentAutomaton

    /// Byte-length bounds of the slices: fine at short lengths so that a string with a few characters left
    /// (a `maxLength`) still takes the slices that fit; tokens longer than the last bound are left to walk.
    static let lengthBounds = [2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32]

    /// The content of a JSON string, as llguidance's `json_slices` spell it.
    static let contentRegex = #"[^"\\\x00-\x1F\x7F]*"#

    var count: Int { maxLengths.count }
    /// The trie index (as ``TokenVocabulary/trie(_:)`` counts) of slice `k`; `count` is the rest.
    static func trieIndex(ofSlice k: Int) -> Int { k + 1 }

    init(tokenBytes: [[UInt8]], sortedIDs order: [Int]) {
        automaton = ContentAutomaton(regex: Self.contentRegex)
        let bounds = Self.lengthBounds
        // Slice of each token: the first bound that holds its length, `bounds.count` for the rest.
        var sliceOf = [Int](repeating: bounds.count, count: tokenBytes.count)
        for (id, bytes) in tokenBytes.enumerated() where !bytes.isEmpty && bytes.count <= bounds[bounds.count - 1] {
            guard automaton.staysAlive(on: bytes) else { continue }
            sliceOf[id] = bounds.firstIndex { bytes.count <= $0 }!
        }
        var maxLengths = [Int](repeating: 0, count: bounds.count)
        var masks = [[UInt64]](repeating: [UInt64](repeating: 0, count: (tokenBytes.count + 63) / 64), count: bounds.count)
        for (id, k) in sliceOf.enumerated() where k < bounds.count {
            maxLengths[k] = max(maxLengths[k], tokenBytes[id].count)
            masks[k][id >> 6] |= 1 << UInt64(id & 63)
        }
        // Empty slices (a small vocabulary) are dropped so that the kept ones still increase.
        let kept = (0..<bounds.count).filter { maxLengths[$0] > 0 }
        var tries: [TokenTrie] = []
        for k in kept + [bounds.count] {
            tries.append(TokenTrie(tokenBytes: tokenBytes, sortedIDs: order.filter { sliceOf[$0] == k }))
        }
        var cumulative = [[UInt64](repeating: 0, count: (tokenBytes.count + 63) / 64)]
        for k in kept {
            var next = cumulative[cumulative.count - 1]
            for w in next.indices { next[w] |= masks[k][w] }
            cumulative.append(next)
        }
        self.maxLengths = kept.map { maxLengths[$0] }
        self.tries = tries
        cumulativeMasks = cumulative
    }

    /// The longest token in any slice (0 without slices): the deepest the slice test has to look.
    var longest: Int { maxLengths.last ?? 0 }
}

/// A small byte DFA for a regular expression, built eagerly from its derivatives (state 0 dead, 1 the start).
struct ContentAutomaton: Sendable {
    /// [state * 256 + byte] → next state.
    let table: [Int32]
    let stateCount: Int

    init(regex: String) {
        var expressions = ExpressionSet()
        // The regex is a constant of this file: parsing and lowering it cannot fail.
        let start = (try? RegexLowering.anchored(try RegexParser.parse(regex), encoding: .utf8, into: &expressions))
            ?? ExpressionSet.nothing
        var states: [ExpressionID] = [ExpressionSet.nothing, start]
        var index: [ExpressionID: Int32] = [ExpressionSet.nothing: 0, start: 1]
        var table: [Int32] = []
        var s = 1
        table.append(contentsOf: [Int32](repeating: 0, count: 256))
        while s < states.count {
            for b in 0..<256 {
                let d = (try? expressions.derivative(states[s], UInt8(b))) ?? ExpressionSet.nothing
                if let known = index[d] {
                    table.append(known)
                } else {
                    index[d] = Int32(states.count)
                    table.append(Int32(states.count))
                    states.append(d)
                }
            }
            s += 1
        }
        self.table = table
        stateCount = states.count
    }

    @inline(__always)
    func next(_ state: Int32, _ byte: UInt8) -> Int32 { table[Int(state) &* 256 &+ Int(byte)] }

    func staysAlive(on bytes: [UInt8]) -> Bool {
        var state: Int32 = 1
        for b in bytes {
            state = next(state, b)
            if state == 0 { return false }
        }
        return true
    }

    /// Bytes that every state treats alike get the same class (for probing one byte per class).
    var byteClasses: [Int32] {
        var classOf = [Int32](repeating: 0, count: 256)
        var seen: [[Int32]: Int32] = [:]
        for b in 0..<256 {
            let column = (0..<stateCount).map { table[$0 * 256 + b] }
            if let c = seen[column] { classOf[b] = c } else { classOf[b] = Int32(seen.count); seen[column] = classOf[b] }
        }
        return classOf
    }
}
