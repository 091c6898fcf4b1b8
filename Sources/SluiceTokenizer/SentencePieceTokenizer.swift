import Foundation
/// SentencePiece BPE (`tokenizer.ggml.model` "llama": Llama 2, Mistral), as llama.cpp's `llm_tokenizer_spm`.
///
/// Spaces become `▁` (with one `▁` before the text when `add_space_prefix` is set), the text
/// starts as one symbol per character, and the adjacent pair whose joined text is the token with
/// the highest score merges first. A character left that is not a token becomes its `<0xXX>` byte tokens.
struct SentencePieceTokenizer: TableBackedTokenizer {
    let table: TokenTable
    let pieces: TokenPieces
    /// The token for each byte value: `<0xXX>`, else the one-byte text itself, else nil.
    private let byteTokens: [Int?]

    init(vocabulary: TokenizerVocabulary) throws {
        let table = try TokenTable(vocabulary: vocabulary, family: .sentencePiece, addsBOSByDefault: true)
        self.table = table
        self.pieces = TokenPieces(table: table) { text in
            Array(text.replacingOccurrences(of: Self.spaceMarker, with: " ").utf8)
        }
        self.byteTokens = (0...255).map { byte in
            let hex = String(UInt8(byte), radix: 16, uppercase: true)
            return table.id(of: Array("<0x\(hex.count == 1 ? "0" + hex : hex)>".utf8)) ?? table.id(of: [UInt8(byte)])
        }
    }

    /// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's stand-in for a space.
    static let spaceMarker = "\u{2581}"
    private static let spaceMarkerBytes = Array(spaceMarker.utf8)

    func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool) -> [Int] {
        table.encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: parseSpecial) { utf8, followsSpecialToken, output in
            var escaped: [UInt8] = []
            escaped.reserveCapacity(utf8.count + 3)
            if table.addSpacePrefix && followsSpecialToken {
                escaped.append(contentsOf: Self.spaceMarkerBytes)
            }
            for byte in utf8 {
                if byte == UInt8(ascii: " ") {
                    escaped.append(contentsOf: Self.spaceMarkerBytes)
                } else {
                    escaped.append(byte)
                }
            }
            tokenize(escaped, into: &output)
        }
    }

    /// One symbol of the text being merged: a byte range of it; merged-away symbols are empty.
    private struct Symbol {
        var start: Int
        var length: Int
        var previous: Int
        var next: Int
    }

    /// A pair of adjacent symbols whose joined text is a token.
    private struct Bigram {
        let left: Int
        let right: Int
        let score: Float
        let length: Int

        /// The highest score first, then the leftmost.
        func precedes(_ other: Bigram) -> Bool {
            score != other.score ? score > other.score : left < other.left
        }
    }

    /// Tokenizes escaped text (spaces already `▁`), as llama.cpp's `llm_tokenizer_spm_session`.
    private func tokenize(_ text: [UInt8], into output: inout [Int]) {
        var symbols: [Symbol] = []
        var offset = 0
        while offset < text.count {
            let length = min(Self.utf8Length(leadingByte: text[offset]), text.count - offset)
            symbols.append(Symbol(start: offset, length: length, previous: symbols.count - 1, next: symbols.count + 1))
            offset += length
        }
        guard !symbols.isEmpty else { return }
        symbols[symbols.count - 1].next = -1

        var queue = Heap<Bigram> { $0.precedes($1) }
        func enqueue(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let start = symbols[left].start
            let length = symbols[left].length + symbols[right].length
            guard let id = table.id(of: Array(text[start..<start + length])) else { return }
            queue.push(Bigram(left: left, right: right, score: table.scores[id], length: length))
        }

        for index in 1..<symbols.count {
            enqueue(index - 1, index)
        }
        while let bigram = queue.pop() {
            let left = symbols[bigram.left]
            let right = symbols[bigram.right]
            // Stale once either side has merged since the pair was queued.
            guard left.length > 0, right.length > 0, left.length + right.length == bigram.length else { continue }
            symbols[bigram.left].length += right.length
            symbols[bigram.right].length = 0
            symbols[bigram.left].next = right.next
            if right.next >= 0 {
                symbols[right.next].previous = bigram.left
            }
            enqueue(left.previous, bigram.left)
            enqueue(bigram.left, right.next)
        }

        var index = 0
        while index >= 0 {
            let symbol = symbols[index]
            let bytes = Array(text[symbol.start..<symbol.start + symbol.length])
            if let id = table.id(of: bytes) {
                output.append(id)
            } else {
                // A character that is no token: its bytes, as byte tokens (or the unknown token).
                for byte in bytes {
                    if let id = byteTokens[Int(byte)] ?? table.unknownTokenID {
                        output.append(id)
                    }
                }
            }
            index = symbol.next
        }
    }

    /// The length of the UTF-8 sequence a leading byte starts, as llama.cpp's `unicode_len_utf8`.
    private static func utf8Length(leadingByte byte: UInt8) -> Int {
        switch byte >> 4 {
        case 0xC, 0xD: 2
        case 0xE: 3
        case 0xF: 4
        default: 1
        }
    }
}
