import Hummingbird
import SluiceEngine
import SluiceGrammar

/// The body of `POST /v1/chat/completions`, as vLLM's `ChatCompletionRequest` accepts it.
struct ChatCompletionRequest: Decodable, Sendable {
    /// The model asked for; `nil` means the one served.
    var model: String?
    var messages: [ChatMessage]
    /// `max_completion_tokens`, or the older `max_tokens`; `nil` means the rest of the context.
    var maxTokens: Int?
    /// Return each token's log-probability.
    var logprobs = false
    /// How many alternatives per token, with ``logprobs``.
    var topLogprobs: Int?
    /// vLLM's `prompt_logprobs`: each token of the rendered conversation with its log-probability and rank,
    /// and this many alternatives, on the response (never streamed, as in vLLM).
    var promptLogprobs: Int?
    /// Open the assistant's turn after the conversation.
    var addGenerationPrompt = true
    /// Add BOS when tokenizing the rendered conversation; off because templates write it themselves.
    var addSpecialTokens = false
    var stream = false
    /// vLLM's `echo`: each choice's content starts with the last message's, when that message has the role the
    /// answer has (see ``echoText``).
    var echo = false
    var streamOptions: StreamOptions?
    var sampling = SamplingFields()
    var tokenOutputs = TokenOutputFields()
    var template = TemplateFields()
    /// What the output must match (`response_format`, `structured_outputs`, `guided_*`), or nil.
    var structuredOutput: StructuredOutputFields?
    /// The functions the model may call and how it must choose (`tools`, `tool_choice`), or nil.
    var tools: ToolFields?

    enum CodingKeys: String, CodingKey {
        case model, messages, logprobs, stream, echo
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case topLogprobs = "top_logprobs"
        case promptLogprobs = "prompt_logprobs"
        case addGenerationPrompt = "add_generation_prompt"
        case addSpecialTokens = "add_special_tokens"
        case streamOptions = "stream_options"
    }

    init(messages: [ChatMessage]) {
        self.messages = messages
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([ChatMessageInput].self, forKey: .messages).map(\.message)
        guard !messages.isEmpty else {
            throw APIError.badRequest("messages must hold at least one message.", param: "messages")
        }
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
            ?? container.decodeIfPresent(Int.self, forKey: .maxTokens)
        logprobs = try container.decodeIfPresent(Bool.self, forKey: .logprobs) ?? false
        topLogprobs = try container.decodeIfPresent(Int.self, forKey: .topLogprobs)
        promptLogprobs = try container.decodeIfPresent(Int.self, forKey: .promptLogprobs)
        addGenerationPrompt = try container.decodeIfPresent(Bool.self, forKey: .addGenerationPrompt) ?? true
        addSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .addSpecialTokens) ?? false
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo) ?? false
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        sampling = try SamplingFields(from: decoder)
        tokenOutputs = try TokenOutputFields(from: decoder)
        template = try TemplateFields(from: decoder)
        try checkConsistency()
    }

    /// The answer's role, as vLLM's `get_chat_request_role` gives it: `assistant` after a generation prompt,
    /// else the last message's own role (the model goes on with that turn).
    var responseRole: String {
        addGenerationPrompt ? "assistant" : messages.last?.role ?? "assistant"
    }

    /// What `echo` puts before each choice's content, as vLLM's `serving_chat.py` does: the last message's text
    /// when its role is the answer's (``responseRole``), so an assistant turn continued
    /// (`continue_final_message`) comes back whole; nil without `echo`, or when the last message is another
    /// role's or empty.
    var echoText: String? {
        guard echo, let last = messages.last, !last.content.isEmpty, last.role == responseRole else { return nil }
        return last.content
    }

    /// The engine's `logprobs`: the alternatives per token, or `nil` when not asked.
    var engineLogprobs: Int? { logprobs ? topLogprobs ?? 0 : nil }

    /// Refuses combinations vLLM refuses.
    private func checkConsistency() throws(APIError) {
        if streamOptions != nil, !stream {
            throw .badRequest("stream_options can only be set when stream is true.", param: "stream_options")
        }
        // vLLM's rule: the prompt's log-probabilities come whole on the response, which a stream does not have.
        // Their range is the engine's to check, as on /v1/completions.
        if stream, let promptLogprobs, promptLogprobs != 0 {
            throw .badRequest("`prompt_logprobs` are not available when `stream=True`.", param: "prompt_logprobs")
        }
        if let topLogprobs {
            guard topLogprobs >= 0, topLogprobs <= SamplingParams.maxLogprobs else {
                throw .badRequest("top_logprobs must be in [0, \(SamplingParams.maxLogprobs)], got \(topLogprobs).",
                                  param: "top_logprobs")
            }
            if topLogprobs > 0, !logprobs {
                throw .badRequest("top_logprobs needs logprobs set to true.", param: "top_logprobs")
            }
        }
    }

    /// Gives each assistant message that made calls its `tool_calls`, read with their keys in order and each
    /// call's `arguments` string turned into the object it holds, as vLLM gives them to chat templates.
    private mutating func readToolCalls(from body: ByteBuffer, raw: JSONValue) throws(APIError) {
        guard case .array(let rawMessages)? = raw["messages"],
              rawMessages.contains(where: { !($0["tool_calls"]?.isEmpty ?? true) }) else { return }
        guard let ordered = try JSONBody.orderedObject(from: body)["messages"]?.arrayValue else { return }
        for (index, message) in ordered.enumerated() where index < messages.count {
            guard let calls = message["tool_calls"]?.arrayValue, !calls.isEmpty else { continue }
            let field = "messages[\(index)].tool_calls"
            let converted: [SluiceGrammar.JSONValue] = try calls.enumerated().map { (callIndex, call) throws(APIError) in
                guard let members = call.objectValue, let function = call["function"]?.objectValue,
                      call["function"]?["name"]?.stringValue != nil else {
                    throw .badRequest("\(field)[\(callIndex)] must have a function with a name.", param: "\(field)[\(callIndex)]")
                }
                let arguments = function.map { key, value -> (String, SluiceGrammar.JSONValue) in
                    guard key == "arguments", let text = value.stringValue,
                          let parsed = try? SluiceGrammar.JSONValue.parse(text) else { return (key, value) }
                    return (key, parsed)
                }
                return .object(members.map { $0.0 == "function" ? ($0.0, .object(arguments)) : $0 })
            }
            messages[index].toolCallsJSON = SluiceGrammar.JSONValue.array(converted).compactText()
        }
    }

    /// Decodes a request body, refusing unsupported features by name first.
    static func decode(from body: ByteBuffer) throws(APIError) -> ChatCompletionRequest {
        let raw = try JSONBody.decode(JSONValue.self, from: body)
        try UnsupportedFields.check(raw, rules: UnsupportedFields.chat)
        var request = try JSONBody.decode(ChatCompletionRequest.self, from: body)
        request.structuredOutput = try StructuredOutputFields.decode(from: body, raw: raw)
        try request.readToolCalls(from: body, raw: raw)
        if let tools = raw["tools"], !tools.isEmpty || raw["tool_choice"] != nil {
            request.tools = try ToolFields.decode(from: try JSONBody.orderedObject(from: body))
            try request.tools?.checkCombination(with: request.structuredOutput)
        } else if let choice = raw["tool_choice"], choice != .null, choice != .string("none"), choice != .string("auto") {
            throw .badRequest("tool_choice needs tools to choose from.", param: "tool_choice")
        }
        return request
    }
}
