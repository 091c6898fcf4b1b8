import Hummingbird

/// The events of a streamed Messages response, in Anthropic's order: `message_start`,
/// `content_block_start`, `ping`, `content_block_delta`s, `content_block_stop`, `message_delta`
/// (stop reason and the final usage), `message_stop`; or an `error` event when generation fails
/// after the stream began. With a reasoning parser a `thinking` block (its `thinking_delta`s) may come
/// before the text block; with tools each call is a `tool_use` block, opened with its id, name and an empty
/// `input`, whose arguments follow as `input_json_delta`s (`partial_json`), as Anthropic streams them.
///
/// Each goes out as `event: <type>` and `data: <json>`, the JSON carrying the same `type`.
enum MessagesStreamEvent: Encodable, Sendable {
    case messageStart(MessagesResponse)
    case contentBlockStart(index: Int, thinking: Bool = false)
    case ping
    case textDelta(index: Int, text: String)
    case thinkingDelta(index: Int, thinking: String)
    case toolUseBlockStart(index: Int, id: String, name: String)
    case inputJSONDelta(index: Int, partialJSON: String)
    case contentBlockStop(index: Int)
    /// The stop and the final usage: output tokens, and the prompt's split between computed and cached
    /// tokens, unknown when `message_start` went out (the SDK's accumulated message takes it from here).
    case messageDelta(MessagesStop?, usage: MessagesUsage)
    case messageStop

    var type: String {
        switch self {
        case .messageStart: return "message_start"
        case .contentBlockStart, .toolUseBlockStart: return "content_block_start"
        case .ping: return "ping"
        case .textDelta, .thinkingDelta, .inputJSONDelta: return "content_block_delta"
        case .contentBlockStop: return "content_block_stop"
        case .messageDelta: return "message_delta"
        case .messageStop: return "message_stop"
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, message, index, delta, usage, text, thinking
        case partialJSON = "partial_json"
        case contentBlock = "content_block"
        case stopReason = "stop_reason"
        case stopSequence = "stop_sequence"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .messageStart(let message):
            try container.encode(message, forKey: .message)
        case .contentBlockStart(let index, let thinking):
            try container.encode(index, forKey: .index)
            if thinking {
                try container.encode(ThinkingBlock(thinking: ""), forKey: .contentBlock)
            } else {
                try container.encode(TextBlock(text: ""), forKey: .contentBlock)
            }
        case .toolUseBlockStart(let index, let id, let name):
            try container.encode(index, forKey: .index)
            try container.encode(ToolUseBlock(id: id, name: name), forKey: .contentBlock)
        case .inputJSONDelta(let index, let partialJSON):
            try container.encode(index, forKey: .index)
            var delta = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .delta)
            try delta.encode("input_json_delta", forKey: .type)
            try delta.encode(partialJSON, forKey: .partialJSON)
        case .ping, .messageStop:
            break
        case .textDelta(let index, let text):
            try container.encode(index, forKey: .index)
            var delta = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .delta)
            try delta.encode("text_delta", forKey: .type)
            try delta.encode(text, forKey: .text)
        case .thinkingDelta(let index, let thinking):
            try container.encode(index, forKey: .index)
            var delta = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .delta)
            try delta.encode("thinking_delta", forKey: .type)
            try delta.encode(thinking, forKey: .thinking)
        case .contentBlockStop(let index):
            try container.encode(index, forKey: .index)
        case .messageDelta(let stop, let usage):
            var delta = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .delta)
            try delta.encode(stop?.reason, forKey: .stopReason)
            try delta.encode(stop?.sequence, forKey: .stopSequence)
            try container.encode(usage, forKey: .usage)
        }
    }

    /// The event as `event: <type>\ndata: <json>\n\n`.
    func serverSentEvent() throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: \(type)\ndata: ")
        var json = try JSONBody.encode(self)
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// The `error` event for a failure after the stream began.
    static func errorEvent(_ error: APIError) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: error\ndata: ")
        var json = error.anthropicBody()
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
