/// A model's tokenizer, as its GGUF metadata (`tokenizer.ggml.*`) describes it.
///
/// Optional fields are nil when the metadata leaves them out; `makeTokenizer(vocabulary:)`
/// then applies llama.cpp's defaults for the tokenizer model.
public struct TokenizerVocabulary: Sendable {
    /// The tokenizer family (`tokenizer.ggml.model`): "gpt2", "llama" or "bert".
    public var model: String
    /// The pre-tokenizer name (`tokenizer.ggml.pre`), used by "gpt2" models only.
    public var pre: String?
    /// The token strings, indexed by token id (`tokenizer.ggml.tokens`).
    public var tokens: [String]
    /// One type per token (`tokenizer.ggml.token_type`): 1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte. Empty means every token is normal.
    public var tokenTypes: [Int]
    /// One score per token (`tokenizer.ggml.scores`); SentencePiece merges by them. Empty means all 0.
    public var scores: [Float]
    /// The BPE merges in rank order, each "left right" (`tokenizer.ggml.merges`).
    public var merges: [String]
    /// `tokenizer.ggml.bos_token_id`.
    public var bosTokenID: Int?
    /// `tokenizer.ggml.eos_token_id`.
    public var eosTokenID: Int?
    /// `tokenizer.ggml.unknown_token_id`.
    public var unknownTokenID: Int?
    /// `tokenizer.ggml.padding_token_id`.
    public var paddingTokenID: Int?
    /// `tokenizer.ggml.eot_token_id`: the end of a chat turn.
    public var endOfTurnTokenID: Int?
    /// `tokenizer.ggml.eom_token_id`: the end of a message that expects a tool result.
    public var endOfMessageTokenID: Int?
    /// `tokenizer.ggml.add_bos_token`.
    public var addBOS: Bool?
    /// `tokenizer.ggml.add_eos_token`.
    public var addEOS: Bool?
    /// `tokenizer.ggml.add_space_prefix`.
    public var addSpacePrefix: Bool?
    /// `tokenizer.ggml.seperator_token_id` (so spelled): BERT's `[SEP]`.
    public var separatorTokenID: Int?
    /// `tokenizer.ggml.add_sep_token`: whether BERT's `[SEP]` ends the text.
    public var addSEP: Bool?

    /// A vocabulary from its parts; every optional part defaults to absent.
    public init(
        model: String,
        pre: String? = nil,
        tokens: [String],
        tokenTypes: [Int] = [],
        scores: [Float] = [],
        merges: [String] = [],
        bosTokenID: Int? = nil,
        eosTokenID: Int? = nil,
        unknownTokenID: Int? = nil,
        paddingTokenID: Int? = nil,
        endOfTurnTokenID: Int? = nil,
        endOfMessageTokenID: Int? = nil,
        addBOS: Bool? = nil,
        addEOS: Bool? = nil,
        addSpacePrefix: Bool? = nil,
        separatorTokenID: Int? = nil,
        addSEP: Bool? = nil
    ) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.scores = scores
        self.merges = merges
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.unknownTokenID = unknownTokenID
        self.paddingTokenID = paddingTokenID
        self.endOfTurnTokenID = endOfTurnTokenID
        self.endOfMessageTokenID = endOfMessageTokenID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.separatorTokenID = separatorTokenID
        self.addSEP = addSEP
    }
}
