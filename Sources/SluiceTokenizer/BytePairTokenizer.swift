/// Byte-level BPE (`tokenizer.ggml.model` "gpt2"), as llama.cpp's `llm_tokenizer_bpe`.
///
/// Text is split into words by the pre-tokenizer `tokenizer.ggml.pre` names; each word's UTF-8
/// bytes become GPT-2 byte-alphabet symbols, which merge by rank (the order of `tokenizer.ggml.merges`).
struct BytePairTokenizer: TableBackedTokenizer {
    let table: TokenTable
    let pieces: TokenPieces
    private let merges: BytePairMerges
    private let preTokenizer: PreTokenizer
    private let ignoresMerges: Bool

    init(vocabulary: TokenizerVocabulary) throws {
        let configuration = try PreTokenizer.configuration(named: vocabulary.pre)
        let table = try TokenTable(vocabulary: vocabulary, family: .bytePair, addsBOSByDefault: configuration.addsBOSByDefault)
        self.table = table
        self.pieces = TokenPieces(table: table, normalPiece: Self.decodeByteAlphabet)
        self.merges = BytePairMerges(merges: vocabulary.merges, table: table)
        self.preTokenizer = configuration.preTokenizer
        self.ignoresMerges = configuration.ignoresMerges
    }

    func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool) -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: parseSpecial, literalRanges: [])
    }

    func encode(_ text: String, addSpecialTokens: Bool, literalRanges: [Range<Int>]) -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true, literalRanges: literalRanges)
    }

    private func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool, literalRanges: [Range<Int>]) -> [Int] {
        table.encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: parseSpecial, literalRanges: literalRanges) { utf8, _, output in
            tokenize(utf8, into: &output)
        }
    }

    /// Tokenizes one fragment of text with no special tokens in it.
    private func tokenize(_ utf8: ArraySlice<UInt8>, into output: inout [Int]) {
        let scalars = Array(String(decoding: utf8, as: UTF8.self).unicodeScalars)
        var word: [UInt8] = []
        for range in preTokenizer.split(scalars) {
            word.removeAll(keepingCapacity: true)
            for scalar in scalars[range] {
                word.append(contentsOf: UTF8.encode(scalar)!)
            }
            if ignoresMerges, let id = table.id(of: word.flatMap { ByteLevel.encodedByte[Int($0)] }) {
                output.append(id)
                continue
            }
            for symbol in merges.merge(word.map { merges.byteSymbols[Int($0)] }) {
                merges.appendTokens(of: symbol, table: table, to: &output)
            }
        }
    }

    /// The bytes a normal token stands for: each scalar of its text mapped back through GPT-2's
    /// byte alphabet. A scalar outside the alphabet becomes llama.cpp's `[UNK_BYTE_0x…]` marker.
    private static func decodeByteAlphabet(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            if let byte = ByteLevel.byte(for: scalar) {
                bytes.append(byte)
            } else {
                let hex = String(scalar).utf8.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
                bytes.append(contentsOf: "[UNK_BYTE_0x\(hex)\(text)]".utf8)
            }
        }
        return bytes
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
