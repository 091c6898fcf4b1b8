import Hummingbird

/// The body of `POST /v1/responses`, OpenAI's Responses API, served statelessly: `input` (a
/// string, or message items with text parts), `instructions`, `max_output_tokens` and the
/// sampling fields. Nothing is stored, so `store: true`, `previous_response_id`, `conversation`
/// and `background` are refused by name, as are tools and images. `text.format` constrains the output
/// as chat's `response_format` does.
struct ResponsesRequest: Decodable, Sendable {
    var model: String?
    var instructions: String?
    var input: [ChatMessage]
    /// `nil` means the rest of the context, as chat completions.
    var maxOutputTokens: Int?
    var stream = false
    /// The sampling fields the Responses API shares with chat (`temperature`, `top_p`) and the
    /// vLLM extensions it accepts on every endpoint (`top_k`, `seed`, `stop` …).
    var sampling = SamplingFields()
    /// What `text.format` asks the output to match, or nil.
    var structuredOutput: StructuredOutputFields?
    /// `text.format` as the response object echoes it.
    var textFormat = ResponseTextFormat()

    enum CodingKeys: String, CodingKey {
        case model, instructions, input, stream
        case maxOutputTokens = "max_output_tokens"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        instructions = try container.decodeIfPresent(String.self, forKey: .instructions)
        guard container.contains(.input) else {
            throw APIError.badRequest("input is required: a string, or an array of message items.", param: "input")
        }
        if let text = try? container.decode(String.self, forKey: .input) {
            input = [ChatMessage(role: "user", content: text)]
        } else {
            input = try container.decode([ResponseInputItem].self, forKey: .input).map(\.message)
        }
        guard !input.isEmpty else { throw APIError.badRequest("input must hold at least one item.", param: "input") }
        maxOutputTokens = try container.decodeIfPresent(Int.self, forKey: .maxOutputTokens)
        if let maxOutputTokens, maxOutputTokens < 1 {
            throw APIError.badRequest("max_output_tokens must be at least 1, got \(maxOutputTokens).", param: "max_output_tokens")
        }
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        sampling = try SamplingFields(from: decoder)
        if sampling.n.map({ $0 != 1 }) == true {
            throw APIError.unsupported("`n` is not part of the Responses API: it returns one output. Use /v1/chat/completions.",
                                       param: "n")
        }
    }

    /// The conversation the chat template renders: the instructions first, as a system message.
    var conversation: [ChatMessage] {
        guard let instructions else { return input }
        return [ChatMessage(role: "system", content: instructions)] + input
    }

    /// Decodes a request body, refusing unsupported features by name first.
    static func decode(from body: ByteBuffer) throws(APIError) -> ResponsesRequest {
        let raw = try JSONBody.decode(JSONValue.self, from: body)
        try UnsupportedFields.check(raw, rules: UnsupportedFields.responses)
        var request = try JSONBody.decode(ResponsesRequest.self, from: body)
        let format = try StructuredOutputFields.decodeResponsesFormat(from: body, raw: raw)
        request.structuredOutput = format.fields
        request.textFormat = format.echo
        return request
    }
}

/// One input item: a message (`{"type": "message"}` or no type) from `user`, `assistant`,
/// `system` or `developer` (read as `system`), whose content is a string or text parts.
struct ResponseInputItem: Decodable {
    let message: ChatMessage

    enum CodingKeys: String, CodingKey { case type, role, content }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let field = APIError.path(container.codingPath)
        let type = try container.decodeIfPresent(String.self, forKey: .type) ?? "message"
        guard type == "message" else {
            throw APIError.unsupported(
                "\(field): input items of type \"\(type)\" are not supported by this server: it takes message items "
                    + "with text (no tool calls, reasoning items or item references).", param: "\(field).type")
        }
        let role = try container.decode(String.self, forKey: .role)
        guard ["user", "assistant", "system", "developer"].contains(role) else {
            throw APIError.badRequest("\(field).role must be user, assistant, system or developer, got \"\(role)\".",
                                      param: "\(field).role")
        }
        let content: String
        if let text = try? container.decode(String.self, forKey: .content) {
            content = text
        } else {
            content = try Self.decodeParts(container.decode([JSONValue].self, forKey: .content), field: "\(field).content")
        }
        message = ChatMessage(role: role == "developer" ? "system" : role, content: content)
    }

    /// Text parts (`input_text`, `output_text`, `text`) joined with newlines; anything else refused.
    private static func decodeParts(_ parts: [JSONValue], field: String) throws -> String {
        var texts: [String] = []
        for (index, part) in parts.enumerated() {
            let partField = "\(field)[\(index)]"
            guard case .string(let type)? = part["type"] else {
                throw APIError.badRequest("\(partField).type must be a string such as \"input_text\".", param: partField)
            }
            guard ["input_text", "output_text", "text"].contains(type) else {
                throw APIError.unsupported(
                    "\(partField): content parts of type \"\(type)\" are not supported by this server: the model reads "
                        + "text only. Send {\"type\": \"input_text\", \"text\": ...} parts.", param: partField)
            }
            guard case .string(let text)? = part["text"] else {
                throw APIError.badRequest("\(partField).text must be a string.", param: "\(partField).text")
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }
}

extension UnsupportedFields {
    /// Rules for `/v1/responses`.
    static let responses: [Rule] = [
        Rule(field: "store", allows: { value, _ in value.isEmpty },
             reason: "this server keeps no responses; set store to false (or leave it out) and send the whole conversation as input."),
        Rule(field: "previous_response_id", allows: { value, _ in value.isEmpty },
             reason: "this server keeps no responses, so none can be continued; send the whole conversation as input."),
        Rule(field: "conversation", allows: { value, _ in value.isEmpty },
             reason: "this server keeps no conversations; send the whole conversation as input."),
        Rule(field: "background", allows: { value, _ in value.isEmpty },
             reason: "background responses need stored state, which this server does not keep."),
        Rule(field: "tools", allows: { value, _ in value.isEmpty }, reason: "tool calling is not implemented; leave out `tools`."),
        Rule(field: "tool_choice", allows: { value, _ in value == .null || value == .string("none") || value == .string("auto") },
             reason: "tool calling is not implemented; leave it out or set it to \"none\"."),
        Rule(field: "top_logprobs", allows: { value, _ in value.isEmpty },
             reason: "log-probabilities are not returned on /v1/responses; use /v1/chat/completions."),
        Rule(field: "prompt", allows: { value, _ in value == .null },
             reason: "stored prompt templates are not kept by this server; send input and instructions."),
    ]
}
