@testable import SluiceTokenizer

/// A byte-level BPE vocabulary: the 256 byte-alphabet characters (ids 0...255, in byte order),
/// then one token per merge result, then `extraTokens` with their GGUF token types.
func makeByteLevelVocabulary(
    pre: String? = "gpt-2",
    merges: [String],
    extraTokens: [(text: String, type: Int)] = [],
    bosTokenID: Int? = nil,
    eosTokenID: Int? = nil,
    addBOS: Bool? = nil
) -> TokenizerVocabulary {
    var tokens = ByteLevel.scalarForByte.map { String($0) }
    for merge in merges {
        let merged = merge.replacingOccurrences(of: " ", with: "")
        if !tokens.contains(merged) {
            tokens.append(merged)
        }
    }
    var types = [Int](repeating: 1, count: tokens.count)
    for extra in extraTokens {
        tokens.append(extra.text)
        types.append(extra.type)
    }
    return TokenizerVocabulary(
        model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types, merges: merges,
        bosTokenID: bosTokenID, eosTokenID: eosTokenID, addBOS: addBOS)
}

/// A SentencePiece vocabulary: `<unk>` 0, `<s>` 1, `</s>` 2, the byte tokens `<0x00>`…`<0xFF>`
/// (ids 3...258), then `pieces` with their scores (normal tokens), then `extraTokens`.
func makeSentencePieceVocabulary(
    pieces: [(text: String, score: Float)],
    extraTokens: [(text: String, type: Int)] = [],
    addSpacePrefix: Bool? = nil
) -> TokenizerVocabulary {
    var tokens = ["<unk>", "<s>", "</s>"]
    var types = [2, 3, 3]
    var scores: [Float] = [0, 0, 0]
    for byte in 0...255 {
        let hex = String(byte, radix: 16, uppercase: true)
        tokens.append("<0x\(hex.count == 1 ? "0" + hex : hex)>")
        types.append(6)
        scores.append(0)
    }
    for piece in pieces {
        tokens.append(piece.text)
        types.append(1)
        scores.append(piece.score)
    }
    for extra in extraTokens {
        tokens.append(extra.text)
        types.append(extra.type)
        scores.append(0)
    }
    return TokenizerVocabulary(
        model: "llama", tokens: tokens, tokenTypes: types, scores: scores,
        bosTokenID: 1, eosTokenID: 2, unknownTokenID: 0, addSpacePrefix: addSpacePrefix)
}

/// The id of the token whose text is `text` in `tokenizer`.
func tokenID(_ text: String, in tokenizer: any Tokenizer) -> Int? {
    (0..<tokenizer.vocabularySize).first { tokenizer.tokenText($0) == text }
}

/// The byte token `<0xXX>` of `byte` in a vocabulary from `makeSentencePieceVocabulary`.
func byteTokenID(_ byte: UInt8) -> Int {
    3 + Int(byte)
}
