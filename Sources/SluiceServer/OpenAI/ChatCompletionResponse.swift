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
    /// vLLM's `prompt_logprobs` over the rendered conversation, when asked.
    var promptLogprobs: PromptLogprobs?

    /// One finished choice: the assistant's message.
    struct Choice: Encodable, Sendable {
        var index: Int
        /// `assistant`, or without a generation prompt the last message's role, as vLLM answers.
        var role = "assistant"
        var content: String
        var logprobs: ChatLogprobs?
        var finishReason: FinishReason?
        var stopReason: StopReason?
        /// The generated token ids, with `return_token_ids`.
        var tokenIDs: [Int]?
        /// The function calls found in the text; with any, `content` is the text around them (null when
        /// empty) and a `stop` finish is reported as `tool_calls`, as OpenAI does.
        var toolCalls: [ParsedToolCalls.Call] = []
        /// Each call's id, made when the calls were read.
        var toolCallIDs: [String] = []
        /// The thought a reasoning parser took out of the text; with one, an empty answer is null.
        var reasoning: String?

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs, role, content, id, type, function, name, arguments, reasoning
            case reasoningContent = "reasoning_content"
            case finishReason = "finish_reason"
            case stopReason = "stop_reason"
            case tokenIDs = "token_ids"
            case toolCalls = "tool_calls"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            var message = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .message)
            try message.encode(role, forKey: .role)
            if (toolCalls.isEmpty && reasoning == nil) || !content.isEmpty {
                try message.encode(content, forKey: .content)
            } else {
                try message.encodeNil(forKey: .content)
            }
            try message.encodeReasoning(reasoning)
            if !toolCalls.isEmpty {
                var calls = message.nestedUnkeyedContainer(forKey: .toolCalls)
                for (index, call) in toolCalls.enumerated() {
                    var entry = calls.nestedContainer(keyedBy: CodingKeys.self)
                    try entry.encode(index < toolCallIDs.count ? toolCallIDs[index] : ToolFields.makeCallID(), forKey: .id)
                    try entry.encode("function", forKey: .type)
                    var function = entry.nestedContainer(keyedBy: CodingKeys.self, forKey: .function)
                    try function.encode(call.name, forKey: .name)
                    try function.encode(call.arguments, forKey: .arguments)
                }
            }
            try container.encode(logprobs, forKey: .logprobs)
            let reason = finishReason == .stop && !toolCalls.isEmpty ? "tool_calls" : finishReason?.rawValue
            try container.encode(reason, forKey: .finishReason)
            try container.encodeStopReason(stopReason, forKey: .stopReason)
            try container.encodeIfPresent(tokenIDs, forKey: .tokenIDs)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case promptTokenIDs = "prompt_token_ids"
        case promptLogprobs = "prompt_logprobs"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("chat.completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
        try container.encodeIfPresent(promptLogprobs, forKey: .promptLogprobs)
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

    /// What one choice adds: the role on its first chunk, then text or tool calls, then its finish reason.
    struct Choice: Encodable, Sendable {
        var index: Int
        var role: String?
        var content: String?
        var logprobs: ChatLogprobs?
        var finishReason: FinishReason?
        var stopReason: StopReason?
        /// The token ids this chunk adds, with `return_token_ids`.
        var tokenIDs: [Int]?
        /// Parts of tool calls, as OpenAI streams them: a call's index, id and name first, then its arguments.
        var toolCalls: [ToolCallDelta] = []
        /// The choice made tool calls: a `stop` finish is reported as `tool_calls`.
        var madeToolCalls = false
        /// Thought text this chunk adds, with a reasoning parser.
        var reasoning: String?

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs, role, content, reasoning
            case reasoningContent = "reasoning_content"
            case finishReason = "finish_reason"
            case stopReason = "stop_reason"
            case tokenIDs = "token_ids"
            case toolCalls = "tool_calls"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            var delta = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .delta)
            try delta.encodeIfPresent(role, forKey: .role)
            try delta.encodeIfPresent(content, forKey: .content)
            if let reasoning { try delta.encodeReasoning(reasoning) }
            if !toolCalls.isEmpty { try delta.encode(toolCalls, forKey: .toolCalls) }
            try container.encode(logprobs, forKey: .logprobs)
            let reason = finishReason == .stop && madeToolCalls ? "tool_calls" : finishReason?.rawValue
            try container.encode(reason, forKey: .finishReason)
            try container.encodeStopReason(stopReason, forKey: .stopReason)
            try container.encodeIfPresent(tokenIDs, forKey: .tokenIDs)
        }
    }

    /// One part of a streamed tool call.
    struct ToolCallDelta: Encodable, Sendable {
        var index: Int
        /// Set on a call's first part only, with ``name``.
        var id: String?
        var name: String?
        var arguments: String

        enum CodingKeys: String, CodingKey { case index, id, type, function, name, arguments }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            if let id {
                try container.encode(id, forKey: .id)
                try container.encode("function", forKey: .type)
            }
            var function = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .function)
            try function.encodeIfPresent(name, forKey: .name)
            try function.encode(arguments, forKey: .arguments)
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

/// Containers that can carry a thought under both of vLLM's names.
protocol ReasoningCodingKeys: CodingKey {
    static var reasoning: Self { get }
    static var reasoningContent: Self { get }
}

extension ChatCompletionResponse.Choice.CodingKeys: ReasoningCodingKeys {}
extension ChatCompletionChunk.Choice.CodingKeys: ReasoningCodingKeys {}

extension KeyedEncodingContainer where Key: ReasoningCodingKeys {
    /// Writes a thought as `reasoning_content` and as `reasoning`: vLLM renamed the field to `reasoning` and
    /// still writes the old name beside it, and clients read one or the other (the OpenAI SDK keeps both).
    mutating func encodeReasoning(_ reasoning: String?) throws {
        guard let reasoning else { return }
        try encode(reasoning, forKey: .reasoningContent)
        try encode(reasoning, forKey: .reasoning)
    }
}
