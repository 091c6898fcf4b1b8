import Hummingbird
import SluiceGrammar

/// The body of `POST /v1/responses`, OpenAI's Responses API, served statelessly: `input` (a
/// string, or message, `function_call` and `function_call_output` items), `instructions`, `max_output_tokens`,
/// the sampling fields, and function `tools` with `tool_choice` and `parallel_tool_calls`. Nothing is stored, so
/// `store: true`, `previous_response_id`, `conversation` and `background` are refused by name, as are hosted
/// tools and images. `text.format` constrains the output as chat's `response_format` does.
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
    /// The functions the model may call, read into chat's shape (``ToolFields/decodeResponses(from:)``), or nil.
    var tools: ToolFields?
    /// `tools`, `tool_choice` and `parallel_tool_calls` as the response object echoes them.
    var toolsEcho = ResponseToolsEcho()

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
            input = ResponseInputItem.conversation(try container.decode([ResponseInputItem].self, forKey: .input))
        }
        guard !input.isEmpty else {
            throw APIError.badRequest("input must hold at least one message or function call item (reasoning items are "
                                      + "dropped from the prompt).", param: "input")
        }
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
        if !(raw["tools"]?.isEmpty ?? true) || !(raw["tool_choice"] ?? .null).isEmpty {
            let ordered = try JSONBody.orderedObject(from: body)
            request.tools = try ToolFields.decodeResponses(from: ordered)
            try request.tools?.checkCombination(with: request.structuredOutput)
            request.toolsEcho = ResponseToolsEcho(request: ordered)
        }
        return request
    }
}

/// One input item: a message (`{"type": "message"}` or no type) from `user`, `assistant`, `system` or
/// `developer` (read as `system`), whose content is a string or text parts; a `function_call` the model made
/// (`call_id`, `name`, `arguments`); or a `function_call_output` (`call_id`, `output`) with what the client's
/// function returned; or a `reasoning` item, an earlier turn's thought given back, which is dropped from the
/// prompt as chat templates drop earlier thoughts (Qwen3's keeps only the answer of past turns). Call ids are
/// passed to the template as they are, matched or not.
enum ResponseInputItem: Decodable {
    case message(ChatMessage)
    case reasoning
    case functionCall(callID: String, name: String, arguments: String)
    case functionCallOutput(callID: String, output: String)

    enum CodingKeys: String, CodingKey {
        case type, role, content, name, arguments, output, summary
        case callID = "call_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let field = APIError.path(container.codingPath)
        let type = try container.decodeIfPresent(String.self, forKey: .type) ?? "message"
        switch type {
        case "message":
            self = .message(try Self.decodeMessage(container, field: field))
        case "function_call":
            let callID = try Self.requiredString(container, .callID, field: field)
            let name = try Self.requiredString(container, .name, field: field)
            guard let arguments = try? container.decode(String.self, forKey: .arguments) else {
                throw APIError.badRequest("\(field).arguments must be a string holding the call's JSON arguments.",
                                          param: "\(field).arguments")
            }
            self = .functionCall(callID: callID, name: name, arguments: arguments)
        case "function_call_output":
            let callID = try Self.requiredString(container, .callID, field: field)
            let output: String
            if let text = try? container.decode(String.self, forKey: .output) {
                output = text
            } else if let parts = try? container.decode([JSONValue].self, forKey: .output) {
                output = try Self.decodeParts(parts, field: "\(field).output")
            } else {
                throw APIError.badRequest("\(field).output must be a string or an array of input_text parts.",
                                          param: "\(field).output")
            }
            self = .functionCallOutput(callID: callID, output: output)
        case "reasoning":
            // Its text is never read, but a client that sends something else than the item it got is told so.
            for key in [CodingKeys.summary, .content] where container.contains(key) {
                guard (try? container.decode([JSONValue].self, forKey: key)) != nil else {
                    throw APIError.badRequest("\(field).\(key.rawValue) must be an array of parts, as the reasoning item "
                                              + "of a response holds them.", param: "\(field).\(key.rawValue)")
                }
            }
            self = .reasoning
        default:
            throw APIError.unsupported(
                "\(field): input items of type \"\(type)\" are not supported by this server: it takes message, "
                    + "function_call, function_call_output and reasoning items (no hosted tool calls or item "
                    + "references).", param: "\(field).type")
        }
    }

    /// The conversation the items make for the chat template: a `function_call` joins the assistant message
    /// before it (text and calls in one turn, as the model wrote them) or opens one, and consecutive calls share
    /// it, as parallel calls; a `function_call_output` is a `tool` message.
    static func conversation(_ items: [ResponseInputItem]) -> [ChatMessage] {
        var messages: [ChatMessage] = []
        var calls: [SluiceGrammar.JSONValue] = []
        func closeCalls() {
            guard !calls.isEmpty else { return }
            messages[messages.count - 1].toolCallsJSON = SluiceGrammar.JSONValue.array(calls).compactText()
            calls = []
        }
        for item in items {
            switch item {
            case .message(let message):
                closeCalls()
                messages.append(message)
            case .functionCall(let callID, let name, let arguments):
                if calls.isEmpty, messages.last?.role != "assistant" || messages.last?.toolCallsJSON != nil {
                    messages.append(ChatMessage(role: "assistant", content: ""))
                }
                calls.append(ToolFields.templateCall(id: callID, name: name, arguments: .string(arguments)))
            case .functionCallOutput(let callID, let output):
                closeCalls()
                messages.append(ChatMessage(role: "tool", content: output, toolCallID: callID))
            case .reasoning:
                continue
            }
        }
        closeCalls()
        return messages
    }

    private static func requiredString(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys,
                                       field: String) throws -> String {
        guard let value = try? container.decode(String.self, forKey: key), !value.isEmpty else {
            throw APIError.badRequest("\(field).\(key.rawValue) is required: a string.", param: "\(field).\(key.rawValue)")
        }
        return value
    }

    private static func decodeMessage(_ container: KeyedDecodingContainer<CodingKeys>, field: String) throws -> ChatMessage {
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
        return ChatMessage(role: role == "developer" ? "system" : role, content: content)
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
        Rule(field: "top_logprobs", allows: { value, _ in value.isEmpty },
             reason: "log-probabilities are not returned on /v1/responses; use /v1/chat/completions."),
        Rule(field: "prompt", allows: { value, _ in value == .null },
             reason: "stored prompt templates are not kept by this server; send input and instructions."),
    ]
}
