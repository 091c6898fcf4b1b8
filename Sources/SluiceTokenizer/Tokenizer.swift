/// Turns text into token ids and back, exactly as llama.cpp does for the same GGUF vocabulary.
public protocol Tokenizer: Sendable {
    /// The number of tokens in the vocabulary; valid ids are `0..<vocabularySize`.
    var vocabularySize: Int { get }
    /// The beginning-of-sequence token, if the vocabulary has one.
    var bosTokenID: Int? { get }
    /// The end-of-sequence token, if the vocabulary has one.
    var eosTokenID: Int? { get }
    /// Every token that ends generation: EOS plus end-of-turn tokens such as `<|im_end|>` or `<|eot_id|>`.
    var endOfGenerationTokenIDs: Set<Int> { get }
    /// Whether `encode(_:addSpecialTokens:parseSpecial:)` puts BOS first when asked to add special tokens.
    var addBOS: Bool { get }

    /// The token ids of `text`.
    ///
    /// - Parameters:
    ///   - addSpecialTokens: add BOS and EOS as the vocabulary's `add_bos_token` and `add_eos_token` say.
    ///   - parseSpecial: recognize control tokens such as `<|im_start|>` written in `text`;
    ///     user-defined tokens are recognized either way.
    func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool) -> [Int]

    /// The token ids of `text` with control tokens recognized everywhere but inside
    /// `literalRanges` (offsets into `text.utf8`), whose text is tokenized as ordinary text.
    ///
    /// A rendered chat prompt passes the spans of its messages' text here, so that a message
    /// spelling `<|im_end|>` cannot close its turn while the template's markup keeps its
    /// control tokens; outside those spans the result is the same as `parseSpecial: true`.
    func encode(_ text: String, addSpecialTokens: Bool, literalRanges: [Range<Int>]) -> [Int]

    /// The text of a whole sequence of token ids.
    ///
    /// Ids outside the vocabulary are skipped. Control tokens decode to nothing when
    /// `skipSpecialTokens` is true, to their text otherwise. Bytes that do not form valid UTF-8
    /// become U+FFFD. As llama.cpp's `llama_detokenize`, a vocabulary that adds a space prefix
    /// drops one leading space of the first token; unlike it, no clean-up of spaces before
    /// punctuation is done, so that decoding agrees with `tokenBytes` and `IncrementalDecoder`.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String

    /// The bytes token `id` contributes to decoded text: empty for control tokens when
    /// `skipSpecialTokens` is true, and for ids outside the vocabulary.
    ///
    /// A token may end inside a UTF-8 sequence; `IncrementalDecoder` holds such bytes back.
    func tokenBytes(_ id: Int, skipSpecialTokens: Bool) -> [UInt8]

    /// The raw vocabulary string of token `id` (GPT-2's byte alphabet, or `▁` for spaces), or ""
    /// for an id outside the vocabulary.
    func tokenText(_ id: Int) -> String
}

extension Tokenizer {
    /// The bytes token `id` contributes to decoded text; empty for control tokens.
    public func tokenBytes(_ id: Int) -> [UInt8] {
        tokenBytes(id, skipSpecialTokens: true)
    }
}

/// The tokenizer a vocabulary describes: byte-level BPE for `tokenizer.ggml.model` "gpt2",
/// SentencePiece BPE for "llama", WordPiece for "bert".
public func makeTokenizer(vocabulary: TokenizerVocabulary) throws -> any Tokenizer {
    switch vocabulary.model {
    case "gpt2":
        return try BytePairTokenizer(vocabulary: vocabulary)
    case "llama":
        return try SentencePieceTokenizer(vocabulary: vocabulary)
    case "bert":
        return try WordPieceTokenizer(vocabulary: vocabulary)
    default:
        throw TokenizerError.unsupportedModel(vocabulary.model)
    }
}

/// The tokenizer a Hugging Face `tokenizer.json` describes (a model folder's, beside its
/// safetensors): WordPiece today; other models are refused by name.
public func makeTokenizer(tokenizerJSONAt path: String) throws -> any Tokenizer {
    try WordPieceTokenizer(tokenizerJSONAt: path)
}
