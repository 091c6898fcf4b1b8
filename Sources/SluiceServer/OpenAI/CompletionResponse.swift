import SluiceEngine

/// The body of a non-streamed `/v1/completions` response, and (with ``object`` the same) of each
/// streamed chunk.
struct CompletionResponse: Encodable, Sendable {
    var id: String
    var created: Int
    var model: String
    var choices: [CompletionChoice]
    var usage: Usage?
    /// Whether `usage` is written even when nil: streamed chunks carry `"usage": null` when the
    /// client asked for usage, as OpenAI's do.
    var writesNullUsage = false

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("text_completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if usage != nil || writesNullUsage { try container.encode(usage, forKey: .usage) }
    }
}

/// One choice of a completion, or its delta in a streamed chunk.
struct CompletionChoice: Encodable, Sendable {
    var index: Int
    var text: String
    var logprobs: CompletionLogprobs?
    var finishReason: FinishReason?
    var stopReason: StopReason?
    /// The prompt's token ids, with `return_token_ids` (streamed: on the choice's first chunk).
    var promptTokenIDs: [Int]?
    /// The generated token ids (streamed: those this chunk adds), with `return_token_ids`.
    var tokenIDs: [Int]?
    /// vLLM's `prompt_logprobs`, when asked (streamed: on the choice's first chunk).
    var promptLogprobs: PromptLogprobs?

    enum CodingKeys: String, CodingKey {
        case index, text, logprobs
        case finishReason = "finish_reason"
        case stopReason = "stop_reason"
        case promptTokenIDs = "prompt_token_ids"
        case tokenIDs = "token_ids"
        case promptLogprobs = "prompt_logprobs"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(promptLogprobs, forKey: .promptLogprobs)
        try container.encode(logprobs, forKey: .logprobs)
        try container.encode(finishReason?.rawValue, forKey: .finishReason)
        try container.encodeStopReason(stopReason, forKey: .stopReason)
        try container.encodeIfPresent(promptTokenIDs, forKey: .promptTokenIDs)
        try container.encodeIfPresent(tokenIDs, forKey: .tokenIDs)
    }
}
