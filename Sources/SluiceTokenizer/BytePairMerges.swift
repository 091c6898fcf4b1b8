/// The merge rules of a byte-level BPE vocabulary over interned symbols, applied to one word at a
/// time as llama.cpp's `llm_tokenizer_bpe_session` does.
///
/// Symbols are the strings merges produce. Symbol ids below the vocabulary size are token ids;
/// the rare merge strings that are not tokens get ids after them.
struct BytePairMerges: Sendable {
    private struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    /// Two adjacent symbols of a word that a merge rule joins.
    private struct Candidate {
        let rank: Int32
        /// Index of the left symbol in the word; breaks ties between equal ranks.
        let left: Int32
        let right: Int32
        let leftSymbol: Int32
        let rightSymbol: Int32
        let result: Int32

        /// The lowest rank first, then the leftmost, as llama.cpp's `llm_bigram_bpe` queue.
        func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : left < other.left
        }
    }

    private let tokenCount: Int
    /// The bytes of symbols that are not tokens, at `id - tokenCount`.
    private let extraSymbolBytes: [[UInt8]]
    /// The merge of each symbol pair, keyed by `left << 32 | right`.
    private let merges: [UInt64: Merge]
    /// The symbol of the byte-alphabet character that stands for each byte value.
    let byteSymbols: [Int32]

    /// Parses `merges` ("left right", in rank order); a pair listed twice keeps its first rank,
    /// and a line without a separating space is ignored, as in llama.cpp.
    init(merges lines: [String], table: TokenTable) {
        var extraIDs: [[UInt8]: Int32] = [:]
        var extraBytes: [[UInt8]] = []
        func symbol(_ bytes: [UInt8]) -> Int32 {
            if let id = table.id(of: bytes) {
                return Int32(id)
            }
            if let id = extraIDs[bytes] {
                return id
            }
            let id = Int32(table.count + extraBytes.count)
            extraIDs[bytes] = id
            extraBytes.append(bytes)
            return id
        }

        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(lines.count)
        for (rank, line) in lines.enumerated() {
            let utf8 = Array(TokenTable.prefixBeforeNUL(line).utf8)
            guard utf8.count > 1, let separator = utf8[1...].firstIndex(of: UInt8(ascii: " ")) else { continue }
            let left = Array(utf8[..<separator])
            let right = Array(utf8[(separator + 1)...])
            let key = Self.key(symbol(left), symbol(right))
            if merges[key] == nil {
                merges[key] = Merge(rank: Int32(rank), result: symbol(left + right))
            }
        }
        self.byteSymbols = ByteLevel.encodedByte.map(symbol)
        self.tokenCount = table.count
        self.extraSymbolBytes = extraBytes
        self.merges = merges
    }

    /// Merges the symbols of one word, lowest rank first and leftmost first among equal ranks, and
    /// returns the symbols left.
    func merge(_ initial: [Int32]) -> [Int32] {
        guard initial.count > 1 else { return initial }
        var symbols = initial
        var next = Array(Int32(1)...Int32(symbols.count))
        next[symbols.count - 1] = -1
        var previous = Array(Int32(-1)..<Int32(symbols.count - 1))
        var queue = Heap<Candidate> { $0.precedes($1) }

        func enqueue(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let leftSymbol = symbols[Int(left)]
            let rightSymbol = symbols[Int(right)]
            guard let merge = merges[Self.key(leftSymbol, rightSymbol)] else { return }
            queue.push(Candidate(
                rank: merge.rank, left: left, right: right,
                leftSymbol: leftSymbol, rightSymbol: rightSymbol, result: merge.result))
        }

        for index in 0..<Int32(symbols.count - 1) {
            enqueue(index, index + 1)
        }
        while let candidate = queue.pop() {
            let left = Int(candidate.left)
            let right = Int(candidate.right)
            // A candidate is stale once either side has merged since it was queued.
            guard symbols[left] == candidate.leftSymbol && symbols[right] == candidate.rightSymbol else { continue }
            symbols[left] = candidate.result
            symbols[right] = -1
            next[left] = next[right]
            if next[right] >= 0 {
                previous[Int(next[right])] = candidate.left
            }
            enqueue(previous[left], candidate.left)
            enqueue(candidate.left, next[left])
        }

        var result: [Int32] = []
        var index: Int32 = 0
        while index >= 0 {
            result.append(symbols[Int(index)])
            index = next[Int(index)]
        }
        return result
    }

    /// The token ids of a merged symbol: itself when it is a token; otherwise, as llama.cpp does,
    /// the single-byte tokens for each of its UTF-8 bytes that has one.
    func appendTokens(of symbol: Int32, table: TokenTable, to output: inout [Int]) {
        if Int(symbol) < tokenCount {
            output.append(Int(symbol))
            return
        }
        for byte in extraSymbolBytes[Int(symbol) - tokenCount] {
            if let id = table.id(of: [byte]) {
                output.append(id)
            }
        }
    }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}
