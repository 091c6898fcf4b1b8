import Foundation

/// The JSON body of one streamed request, with the fields `vllm bench serve` sends: greedy
/// sampling, `max_tokens`, usage in the last chunk, and vLLM's `ignore_eos` only when asked.
struct RequestBody: Encodable {
    var model: String
    var prompt: String?
    var messages: [Message]?
    var maxTokens: Int
    var temperature = 0
    var stream = true
    var streamOptions = StreamOptions()
    var ignoreEOS: Bool?

    struct Message: Encodable {
        var role: String
        var content: String
    }

    struct StreamOptions: Encodable {
        var includeUsage = true
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, messages, temperature, stream
        case maxTokens = "max_tokens"
        case streamOptions = "stream_options"
        case ignoreEOS = "ignore_eos"
    }

    /// The body for `prompt` on `endpoint`: completions sends the system prompt and the question as
    /// one text; chat sends them as a system and a user message.
    init(endpoint: Endpoint, model: String, prompt: BenchPrompt, ignoreEOS: Bool) {
        self.model = model
        switch endpoint {
        case .completions:
            self.prompt = prompt.completionText
        case .chat:
            var messages: [Message] = []
            if let system = prompt.systemPrompt { messages.append(Message(role: "system", content: system)) }
            messages.append(Message(role: "user", content: prompt.prompt))
            self.messages = messages
        }
        maxTokens = prompt.outputTokens
        self.ignoreEOS = ignoreEOS ? true : nil
    }

    /// The body as JSON bytes; with `jsonSchema` (a schema's JSON text), every request is constrained to
    /// it as each API spells it: chat's `response_format` `json_schema`, completions' `structured_outputs`
    /// `json` (vLLM's field), as vLLM's structured-output benchmark sends them.
    func encoded(jsonSchema: String? = nil) -> Data {
        // Strings, integers and booleans always encode.
        var body = (try? JSONEncoder().encode(self)) ?? Data()
        guard let schema = jsonSchema, body.last == UInt8(ascii: "}") else { return body }
        let member = messages != nil
            ? #","response_format":{"type":"json_schema","json_schema":{"name":"bench","schema":\#(schema)}}}"#
            : #","structured_outputs":{"json":\#(schema)}}"#
        body.removeLast()
        body.append(contentsOf: Array(member.utf8))
        return body
    }
}
