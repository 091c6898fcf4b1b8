import Hummingbird
import SluiceGrammar
import SluiceTemplate

/// The body of `POST /v1/messages`, as Anthropic's Messages API takes it: a system prompt, turns
/// of text, `max_tokens` (required) and the sampling fields Anthropic has.
///
/// Content is a string or an array of blocks (``AnthropicConversation``): text joined with newlines as chat
/// content parts are, `tool_use` and `tool_result` blocks as the template's tool calls and tool messages;
/// images and documents are refused by name. `tools` and `tool_choice` are read as chat's
/// (``ToolFields/decodeAnthropic(from:)``). `thinking` (`enabled` or
/// `disabled`) turns the template's `enable_thinking` on or off, and needs a server with `--reasoning-parser`
/// to be enabled, since only then does a thought come back as a `thinking` block.
struct MessagesRequest: Decodable, Sendable {
    /// The model asked for; `nil` means the one served.
    var model: String?
    /// The system prompt, sent as the conversation's first message.
    var system: String?
    /// Filled by ``decode(from:requiresMaxTokens:)`` from the body with its members in order.
    var messages: [ChatMessage] = []
    /// Required to generate; `count_tokens` goes without.
    var maxTokens: Int?
    var stopSequences: [String] = []
    var temperature: Float?
    var topP: Float?
    var topK: Int?
    var stream = false
    /// `thinking.type`: true for `enabled`, false for `disabled`, nil when left out.
    var thinking: Bool?
    /// The functions the model may call (`tools`, `tool_choice`), or nil.
    var tools: ToolFields?

    enum CodingKeys: String, CodingKey {
        case model, system, messages, temperature, stream, thinking
        case maxTokens = "max_tokens"
        case stopSequences = "stop_sequences"
        case topP = "top_p"
        case topK = "top_k"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        if let maxTokens, maxTokens < 1 {
            throw APIError.badRequest("max_tokens must be at least 1, got \(maxTokens).", param: "max_tokens")
        }
        if container.contains(.system), try !container.decodeNil(forKey: .system) {
            system = try Self.decodeText(container.superDecoder(forKey: .system), field: "system")
        }
        stopSequences = try container.decodeIfPresent([String].self, forKey: .stopSequences) ?? []
        temperature = try container.decodeIfPresent(Float.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Float.self, forKey: .topP)
        topK = try container.decodeIfPresent(Int.self, forKey: .topK)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        switch try container.decodeIfPresent(JSONValue.self, forKey: .thinking)?["type"] {
        case .string("enabled")?: thinking = true
        case .string("disabled")?: thinking = false
        default: thinking = nil
        }
    }

    /// The template variables the request sets: `enable_thinking` from `thinking`, and the tools.
    func templateVariables() throws(APIError) -> [String: JinjaValue] {
        try ToolFields.variables(thinking.map { ["enable_thinking": .bool($0)] } ?? [:], adding: tools)
    }

    /// The conversation the chat template renders: the system prompt first, when there is one.
    var conversation: [ChatMessage] {
        guard let system else { return messages }
        return [ChatMessage(role: "system", content: system)] + messages
    }

    /// Whether the last turn is the assistant's: Anthropic then continues that text (a
    /// "prefill") rather than opening a new turn.
    var continuesAssistantTurn: Bool { messages.last?.role == "assistant" }

    /// The engine's fields; Anthropic has no `n`, penalties or seed.
    var sampling: SamplingFields {
        var fields = SamplingFields()
        fields.temperature = temperature
        fields.topP = topP
        fields.topK = topK
        fields.stop = stopSequences
        return fields
    }

    /// A string, or an array of text blocks joined with newlines; any other block is refused.
    static func decodeText(_ decoder: any Decoder, field: String) throws -> String {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { return text }
        guard let blocks = try? container.decode([JSONValue].self) else {
            throw APIError.badRequest("\(field) must be a string or an array of content blocks.", param: field)
        }
        var texts: [String] = []
        for (index, block) in blocks.enumerated() {
            let blockField = "\(field)[\(index)]"
            guard case .string(let type)? = block["type"] else {
                throw APIError.badRequest("\(blockField).type must be a string such as \"text\".", param: blockField)
            }
            guard type == "text" else {
                throw APIError.unsupported(
                    "\(blockField): content blocks of type \"\(type)\" are not supported by this server: the model "
                        + "reads text only here. Send {\"type\": \"text\", \"text\": ...} blocks.",
                    param: blockField)
            }
            guard case .string(let text)? = block["text"] else {
                throw APIError.badRequest("\(blockField).text must be a string.", param: "\(blockField).text")
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }

    /// Decodes a request body, refusing unsupported features by name first; `max_tokens` is
    /// required unless `requiresMaxTokens` is false (`/v1/messages/count_tokens`).
    static func decode(from body: ByteBuffer, requiresMaxTokens: Bool = true) throws(APIError) -> MessagesRequest {
        let raw = try JSONBody.decode(JSONValue.self, from: body)
        try UnsupportedFields.check(raw, rules: UnsupportedFields.messages)
        var request = try JSONBody.decode(MessagesRequest.self, from: body)
        let ordered = try JSONBody.orderedObject(from: body)
        request.messages = try AnthropicConversation.messages(from: ordered["messages"])
        if !(raw["tools"]?.isEmpty ?? true) || !(raw["tool_choice"] ?? .null).isEmpty {
            request.tools = try ToolFields.decodeAnthropic(from: ordered)
        }
        if requiresMaxTokens, request.maxTokens == nil {
            throw .badRequest("max_tokens is required: the most tokens to generate.", param: "max_tokens")
        }
        return request
    }
}

extension UnsupportedFields {
    /// Rules for `/v1/messages`.
    static let messages: [Rule] = [
        Rule(field: "thinking", allows: { value, _ in
                 value == .null || value["type"] == .string("disabled") || value["type"] == .string("enabled")
             }, reason: "thinking takes {\"type\": \"enabled\"} or {\"type\": \"disabled\"}."),
        Rule(field: "output_config", allows: { value, _ in (value["format"] ?? .null) == .null },
             reason: "structured output (`output_config.format`) is not implemented for /v1/messages; leave it out."),
        Rule(field: "mcp_servers", allows: { value, _ in value.isEmpty }, reason: "MCP servers are not implemented."),
        Rule(field: "container", allows: { value, _ in value == .null }, reason: "code execution containers are not implemented."),
    ]
}
