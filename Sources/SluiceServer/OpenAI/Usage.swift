/// A request's token counts, as OpenAI's `usage`.
struct Usage: Encodable, Equatable, Sendable {
    /// Tokens of every prompt, each counted once however many completions it has.
    var promptTokens: Int
    /// Tokens generated over every choice.
    var completionTokens: Int
    /// Prompt tokens found in the prefix cache, once known (when every choice has finished);
    /// written as `prompt_tokens_details.cached_tokens`.
    var cachedTokens: Int?
    var totalTokens: Int { promptTokens + completionTokens }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
        case cachedTokens = "cached_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
        if let cachedTokens {
            var details = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .promptTokensDetails)
            try details.encode(cachedTokens, forKey: .cachedTokens)
        }
    }
}
