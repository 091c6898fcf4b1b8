import SluiceEngine

/// A Responses API `response` object: the whole answer, or (streamed) its state so far.
///
/// The output is an assistant `message` item with one `output_text` part, and with tools a `function_call`
/// item per call (the message left out when the model wrote only calls, as OpenAI does). `status` is
/// `completed` when the model ended its turn (or a stop string matched), `incomplete` with
/// `incomplete_details.reason` `max_output_tokens` when the limit cut it, as OpenAI reports them.
struct ResponseObject: Encodable, Sendable {
    var id: String
    var createdAt: Int
    var model: String
    var status: String
    var output: [ResponseOutputItem]
    var usage: ResponseUsage?
    var error: APIError?
    /// The request's settings, echoed as OpenAI echoes them.
    var instructions: String?
    var maxOutputTokens: Int?
    var temperature: Float
    var topP: Float
    /// `text.format` as the request gave it.
    var textFormat = ResponseTextFormat()
    var toolsEcho = ResponseToolsEcho()

    enum CodingKeys: String, CodingKey {
        case id, object, model, status, output, usage, error, instructions, temperature, metadata, tools, store, text
        case truncation, reason, code, message, format, type, name, strict
        case createdAt = "created_at"
        case incompleteDetails = "incomplete_details"
        case maxOutputTokens = "max_output_tokens"
        case topP = "top_p"
        case parallelToolCalls = "parallel_tool_calls"
        case toolChoice = "tool_choice"
        case previousResponseID = "previous_response_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("response", forKey: .object)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(model, forKey: .model)
        try container.encode(status, forKey: .status)
        try container.encode(output, forKey: .output)
        try container.encode(usage, forKey: .usage)
        if let error {
            var details = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .error)
            try details.encode(error.code ?? "server_error", forKey: .code)
            try details.encode(error.message, forKey: .message)
        } else if status == "failed" {
            // The engine aborted it (a shutdown's timeout): no error of the request's own.
            var details = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .error)
            try details.encode("aborted", forKey: .code)
            try details.encode("The server aborted the response before it finished.", forKey: .message)
        } else {
            try container.encodeNil(forKey: .error)
        }
        if status == "incomplete" {
            var details = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .incompleteDetails)
            try details.encode("max_output_tokens", forKey: .reason)
        } else {
            try container.encodeNil(forKey: .incompleteDetails)
        }
        try container.encode(instructions, forKey: .instructions)
        try container.encode(maxOutputTokens, forKey: .maxOutputTokens)
        try container.encode(temperature, forKey: .temperature)
        try container.encode(topP, forKey: .topP)
        try container.encode([String: String](), forKey: .metadata)
        try container.encode(toolsEcho.parallelToolCalls, forKey: .parallelToolCalls)
        try container.encode(EncodableJSON(toolsEcho.toolChoice), forKey: .toolChoice)
        try container.encode(EncodableJSON(toolsEcho.tools), forKey: .tools)
        try container.encode(false, forKey: .store)
        try container.encodeNil(forKey: .previousResponseID)
        try container.encode("disabled", forKey: .truncation)
        var text = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .text)
        var format = text.nestedContainer(keyedBy: CodingKeys.self, forKey: .format)
        try format.encode(textFormat.type, forKey: .type)
        try format.encodeIfPresent(textFormat.name, forKey: .name)
        try format.encodeIfPresent(textFormat.strict, forKey: .strict)
    }

    /// The status and reason for how the engine ended the output.
    static func status(for finishReason: FinishReason?) -> String {
        switch finishReason {
        case .length?: return "incomplete"
        case .stop?: return "completed"
        case .abort?, nil: return "failed"
        }
    }
}

/// The assistant's `message` output item; `text` `nil` writes `content: []`, as when it opens.
struct ResponseOutputMessage: Encodable, Sendable {
    var id: String
    var status: String
    var text: String?

    enum CodingKeys: String, CodingKey { case type, id, status, role, content }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("message", forKey: .type)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode("assistant", forKey: .role)
        try container.encode(text.map { [OutputTextPart(text: $0)] } ?? [], forKey: .content)
    }
}

/// An `output_text` content part.
struct OutputTextPart: Encodable, Sendable {
    var text: String

    enum CodingKeys: String, CodingKey { case type, text, annotations, logprobs }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("output_text", forKey: .type)
        try container.encode(text, forKey: .text)
        try container.encode([String](), forKey: .annotations)
        try container.encode([String](), forKey: .logprobs)
    }
}

/// A request's `text.format` as the response object echoes it: its type, and a schema's `name` and
/// `strict` (the schema itself is not repeated).
struct ResponseTextFormat: Equatable, Sendable {
    var type = "text"
    var name: String?
    var strict: Bool?
}

/// The Responses API's `usage`, with cached prompt tokens from the prefix cache.
struct ResponseUsage: Encodable, Sendable {
    var inputTokens: Int
    var cachedTokens: Int
    var outputTokens: Int

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case inputTokensDetails = "input_tokens_details"
        case cachedTokens = "cached_tokens"
        case outputTokens = "output_tokens"
        case outputTokensDetails = "output_tokens_details"
        case reasoningTokens = "reasoning_tokens"
        case totalTokens = "total_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputTokens, forKey: .inputTokens)
        var input = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .inputTokensDetails)
        try input.encode(cachedTokens, forKey: .cachedTokens)
        try container.encode(outputTokens, forKey: .outputTokens)
        var output = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .outputTokensDetails)
        try output.encode(0, forKey: .reasoningTokens)
        try container.encode(inputTokens + outputTokens, forKey: .totalTokens)
    }
}
