import SluiceTokenizer

/// The body of `GET /tokenizer_info`: the tokenizer's configuration in the keys of Hugging Face's
/// `tokenizer_config.json`, as vLLM's endpoint of that name answers. lm-evaluation-harness's remote
/// tokenizer (`tokenizer_backend=remote`, and what `auto` picks when this endpoint answers) reads
/// `eos_token` and `chat_template` here and tokenizes through `/tokenize` and `/detokenize`, so a
/// log-likelihood task needs no tokenizer download.
struct TokenizerInfoResponse: Encodable, Sendable {
    /// The Swift type that tokenizes (vLLM names the Hugging Face class).
    var tokenizerClass: String
    var bosToken: String?
    var eosToken: String?
    /// Whether `/tokenize` with `add_special_tokens` puts BOS first.
    var addBOSToken: Bool
    var modelMaxLength: Int
    /// The Jinja chat template the server renders with, when the model has one.
    var chatTemplate: String?

    enum CodingKeys: String, CodingKey {
        case tokenizerClass = "tokenizer_class"
        case bosToken = "bos_token"
        case eosToken = "eos_token"
        case addBOSToken = "add_bos_token"
        case modelMaxLength = "model_max_length"
        case chatTemplate = "chat_template"
    }

    init(tokenizer: any Tokenizer, maxModelLength: Int, chatTemplate: String?) {
        func text(_ id: Int?) -> String? { id.map { tokenizer.decode([$0], skipSpecialTokens: false) } }
        tokenizerClass = String(describing: type(of: tokenizer))
        bosToken = text(tokenizer.bosTokenID)
        eosToken = text(tokenizer.eosTokenID)
        addBOSToken = tokenizer.addBOS
        modelMaxLength = maxModelLength
        self.chatTemplate = chatTemplate
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokenizerClass, forKey: .tokenizerClass)
        try container.encode(bosToken, forKey: .bosToken)
        try container.encode(eosToken, forKey: .eosToken)
        try container.encode(addBOSToken, forKey: .addBOSToken)
        try container.encode(modelMaxLength, forKey: .modelMaxLength)
        try container.encodeIfPresent(chatTemplate, forKey: .chatTemplate)
    }
}
