/// vLLM's token-level output fields, which `/v1/completions` and `/v1/chat/completions` share:
/// token ids beside the text, for RL pipelines and clients that must not re-tokenize.
struct TokenOutputFields: Decodable, Equatable, Sendable {
    /// Put `prompt_token_ids` and each choice's `token_ids` on the response (`return_token_ids`).
    var returnTokenIDs = false
    /// Name log-probability tokens `"token_id:N"` rather than by their text, so byte tokens
    /// that all print as U+FFFD stay distinct (`return_tokens_as_token_ids`).
    var tokensAsTokenIDs = false

    enum CodingKeys: String, CodingKey {
        case returnTokenIDs = "return_token_ids"
        case tokensAsTokenIDs = "return_tokens_as_token_ids"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        returnTokenIDs = try container.decodeIfPresent(Bool.self, forKey: .returnTokenIDs) ?? false
        tokensAsTokenIDs = try container.decodeIfPresent(Bool.self, forKey: .tokensAsTokenIDs) ?? false
    }
}
