import SluiceEngine

/// The body of a non-streamed `/v1/chat/completions` response.
struct ChatCompletionResponse: Encodable, Sendable {
    var id: String
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage
    /// The prompt's token ids, with `return_token_ids`.
    var promptTokenIDs: [Int]?

    /// One finished choice: the assistant's message.
    struct Choice: Encodable, Sendable {
        var index: Int
        var content: String
        var logprobs: ChatLogprobs?
        var finishReason: FinishReason?
        var stopReason: StopReason?
        /// The generated token ids, with `return_token_ids`.
        var tokenIDs: [Int]?

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs, role, content
            case finishReason = "finish_reason"
            case stopReason = "stop_reason"
            case tokenIDs = "token_ids"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            var message = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .message)
            try message.encode("assistant", forKey: .role)
            try message.encode(content, forKey: .content)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason?.rawValue, forKey: .finishReason)
            try container.encodeStopReason(stopReason, forKey: .stopReason)
            try container.encodeIfPresent(tokenIDs, forKey: .tokenIDs)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case promptTokenIDs = "prompt_token_ids"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("chat.completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
        try container.encodeIfPresent(promptTokenIDs, forKey: .promptTokenIDs)
    }
}

/// One streamed chunk of a chat completion: deltas of some choices, or the closing usage.
struct ChatCompletionChunk: Encodable, Sendable {
    var id: String
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage?
    /// Whether `usage` is written even when nil (`"usage": null`), when the client asked for usage.
    var writesNullUsage = false
    /// The prompt's token ids, on the first chunks with `return_token_ids`.
    var promptTokenIDs: [Int]?

    /// What one choice adds: the role on its first chunk, then text, then its finish reason.
    struct Choice: Encodable, Sendable {
        var index: Int
        var role: String?
        var content: String?
        var logprobs: ChatLogprobs?
        var finishReason: FinishReason?
        var stopReason: StopReason?
        /// The token ids this chunk adds, with `return_token_ids`.
        var tokenIDs: [Int]?

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs, role, content
            case finishReason = "finish_reason"
            case stopReason = "stop_reason"
            case tokenIDs = "token_ids"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            var delta = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .delta)
            try delta.encodeIfPresent(role, forKey: .role)
            try delta.encodeIfPresent(content, forKey: .content)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason?.rawValue, forKey: .finishReason)
            try container.encodeStopReason(stopReason, forKey: .stopReason)
            try container.encodeIfPresent(tokenIDs, forKey: .tokenIDs)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case promptTokenIDs = "prompt_token_ids"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("chat.completion.chunk", forKey: .object)
        try container.encodeIfPresent(promptTokenIDs, forKey: .promptTokenIDs)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if usage != nil || writesNullUsage { try container.encode(usage, forKey: .usage) }
    }
}
