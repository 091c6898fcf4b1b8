/// The request fields this server does not implement, refused by name with a 400 rather than
/// silently ignored, as the issue asks. Fields it has never heard of are ignored, as vLLM does.
/// Structured output (`response_format`, `structured_outputs`, `guided_*`) is read, and what of it
/// cannot be enforced refused, by ``StructuredOutputFields``.
enum UnsupportedFields {
    /// One field and when its value asks for something unsupported.
    struct Rule: Sendable {
        let field: String
        /// Whether the value (in the context of the whole request) asks for nothing unsupported.
        let allows: @Sendable (_ value: JSONValue, _ request: JSONValue) -> Bool
        let reason: String
    }

    /// Refuses the first field of `request` that a rule forbids.
    static func check(_ request: JSONValue, rules: [Rule]) throws(APIError) {
        for rule in rules {
            guard let value = request[rule.field], !rule.allows(value, request) else { continue }
            throw .unsupported("`\(rule.field)` is not supported by this server: \(rule.reason)", param: rule.field)
        }
    }

    /// Rules for fields that both completion APIs share.
    static let common: [Rule] = [
        Rule(field: "use_beam_search", allows: { value, _ in value.isEmpty }, reason: "beam search is not implemented."),
        Rule(field: "allowed_token_ids", allows: { value, _ in value == .null },
             reason: "restricting sampling to a token list is not implemented; use logit_bias."),
        Rule(field: "bad_words", allows: { value, _ in value.isEmpty }, reason: "bad-word filtering is not implemented."),
        Rule(field: "logits_processors", allows: { value, _ in value.isEmpty },
             reason: "custom logits processors are not implemented."),
        Rule(field: "truncate_prompt_tokens", allows: { value, _ in value == .null },
             reason: "prompts are never truncated; shorten the prompt instead."),
    ]

    /// Rules for `/v1/completions`.
    static let completions: [Rule] = common + [
        Rule(field: "suffix", allows: { value, _ in value.isEmpty }, reason: "insertion (fill-in-the-middle) is not implemented."),
        Rule(field: "prompt_embeds", allows: { value, _ in value == .null }, reason: "prompts must be text or token ids."),
    ]

    /// Rules for `/v1/chat/completions`.
    static let chat: [Rule] = common + [
        Rule(field: "functions", allows: { value, _ in value.isEmpty }, reason: "function calling is not implemented."),
        Rule(field: "function_call", allows: { value, _ in value == .null || value == .string("none") },
             reason: "function calling is not implemented."),
        Rule(field: "modalities", allows: { value, _ in value == .null || value == .array([.string("text")]) },
             reason: "only text output is generated."),
        Rule(field: "audio", allows: { value, _ in value == .null }, reason: "only text output is generated."),
        Rule(field: "chat_template", allows: { value, _ in value == .null },
             reason: "the server renders every conversation with the model's own chat template."),
    ]
}
