import SluiceEngine

/// A Messages API response: `{id, type: "message", role: "assistant", content: [{type: "text",
/// text}], model, stop_reason, stop_sequence, usage}`, with a `{type: "thinking", thinking}` block first when
/// a reasoning parser took a thought out of the text, and a `{type: "tool_use", id, name, input}` block per call
/// after the text (the text block left out when the model wrote only calls). Streams send it with empty content
/// and no stop reason in `message_start`.
struct MessagesResponse: Encodable, Sendable {
    var id: String
    var model: String
    /// The generated text; `nil` writes `content: []`, as `message_start` does.
    var text: String?
    /// The thought, with a reasoning parser; a thought cut off by `max_tokens` comes without a text block.
    var thinking: String? = nil
    var stop: MessagesStop?
    var usage: MessagesUsage
    var toolUses: [ToolUseBlock] = []

    enum CodingKeys: String, CodingKey {
        case id, type, role, content, model, usage
        case stopReason = "stop_reason"
        case stopSequence = "stop_sequence"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("message", forKey: .type)
        try container.encode("assistant", forKey: .role)
        var content = container.nestedUnkeyedContainer(forKey: .content)
        if let thinking { try content.encode(ThinkingBlock(thinking: thinking)) }
        if let text, (thinking == nil && toolUses.isEmpty) || !text.isEmpty { try content.encode(TextBlock(text: text)) }
        for toolUse in toolUses { try content.encode(toolUse) }
        try container.encode(model, forKey: .model)
        try container.encode(stop?.reason, forKey: .stopReason)
        try container.encode(stop?.sequence, forKey: .stopSequence)
        try container.encode(usage, forKey: .usage)
    }
}

/// A `{"type": "text", "text": ...}` content block.
struct TextBlock: Encodable, Sendable {
    var text: String

    enum CodingKeys: String, CodingKey { case type, text }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("text", forKey: .type)
        try container.encode(text, forKey: .text)
    }
}

/// A `{"type": "thinking", "thinking": ..., "signature": ""}` content block. Anthropic signs its thoughts so
/// they can be sent back; a local model's thought has no signature, and the field is written empty so that
/// clients reading it find a string.
struct ThinkingBlock: Encodable, Sendable {
    var thinking: String

    enum CodingKeys: String, CodingKey { case type, thinking, signature }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("thinking", forKey: .type)
        try container.encode(thinking, forKey: .thinking)
        try container.encode("", forKey: .signature)
    }
}

/// Why a message ended, in Anthropic's words: `end_turn` (the model's end of turn),
/// `max_tokens`, `stop_sequence` with the sequence that matched, or `tool_use` when the model ended its
/// turn with calls.
struct MessagesStop: Equatable, Sendable {
    var reason: String
    var sequence: String?

    /// The Anthropic reason for the engine's; `nil` for a completion that was aborted.
    init?(finishReason: FinishReason, stopReason: StopReason?, madeToolCalls: Bool = false) {
        switch (finishReason, stopReason) {
        case (.stop, _) where madeToolCalls: self.init(reason: "tool_use", sequence: nil)
        case (.stop, .string(let sequence)?): self.init(reason: "stop_sequence", sequence: sequence)
        case (.stop, _): self.init(reason: "end_turn", sequence: nil)
        case (.length, _): self.init(reason: "max_tokens", sequence: nil)
        case (.abort, _): return nil
        }
    }

    init(reason: String, sequence: String?) {
        self.reason = reason
        self.sequence = sequence
    }
}

/// Anthropic's `usage`, whose input fields split the prompt in three, as Anthropic defines them:
/// `input_tokens` (computed for this request), `cache_read_input_tokens` (found in the prefix
/// cache) and `cache_creation_input_tokens`, always 0 here: Anthropic bills writing a prefix it was
/// asked to cache (`cache_control`), while this engine caches every full block anyway at no cost to
/// the request, so nothing is "created" on the client's behalf. llama.cpp's server reports the same
/// split, and vLLM's `/v1/messages` too (its `cache_creation_input_tokens` also 0). Before the cache's
/// share is known (a stream's `message_start`) the cache fields are left out and `input_tokens` is
/// the whole prompt, as vLLM does: absent means unknown, 0 means none.
struct MessagesUsage: Encodable, Equatable, Sendable {
    /// Prompt tokens computed for this request (all of them while the cache's share is unknown).
    var inputTokens: Int
    var outputTokens: Int
    /// Prompt tokens the prefix cache held, once known.
    var cacheReadInputTokens: Int?

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cacheReadInputTokens = "cache_read_input_tokens"
        case cacheCreationInputTokens = "cache_creation_input_tokens"
    }

    /// The usage of a prompt of `numPromptTokens` tokens of which `numCachedTokens` (nil: not yet known)
    /// came from the prefix cache.
    init(numPromptTokens: Int, numCachedTokens: Int?, outputTokens: Int) {
        let cached = numCachedTokens.map { min(max($0, 0), numPromptTokens) }
        inputTokens = numPromptTokens - (cached ?? 0)
        cacheReadInputTokens = cached
        self.outputTokens = outputTokens
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputTokens, forKey: .inputTokens)
        if let cacheReadInputTokens {
            try container.encode(0, forKey: .cacheCreationInputTokens)
            try container.encode(cacheReadInputTokens, forKey: .cacheReadInputTokens)
        }
        try container.encode(outputTokens, forKey: .outputTokens)
    }
}
