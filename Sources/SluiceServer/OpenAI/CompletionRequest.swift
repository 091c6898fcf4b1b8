import Hummingbird

/// The body of `POST /v1/completions`, as vLLM's `CompletionRequest` accepts it.
struct CompletionRequest: Decodable, Sendable {
    /// The model asked for; `nil` means the one served.
    var model: String?
    /// One engine request per prompt; choices are numbered prompt by prompt.
    var prompts: [PromptInput]
    /// `nil` means 16, OpenAI's and vLLM's default.
    var maxTokens: Int?
    /// Put the prompt's text before each choice's text.
    var echo = false
    /// How many alternatives to report per token, besides the sampled one.
    var logprobs: Int?
    /// vLLM's `prompt_logprobs`: each prompt token's log-probability and rank, with this many alternatives.
    var promptLogprobs: Int?
    var stream = false
    var streamOptions: StreamOptions?
    /// Add BOS as the model asks when tokenizing text prompts.
    var addSpecialTokens = true
    var sampling = SamplingFields()
    var tokenOutputs = TokenOutputFields()
    /// What the output must match (`response_format`, `structured_outputs`, `guided_*`), or nil.
    var structuredOutput: StructuredOutputFields?

    /// OpenAI's default `max_tokens` for completions.
    static let defaultMaxTokens = 16

    enum CodingKeys: String, CodingKey {
        case model, prompt, echo, logprobs, stream
        case maxTokens = "max_tokens"
        case streamOptions = "stream_options"
        case promptLogprobs = "prompt_logprobs"
        case addSpecialTokens = "add_special_tokens"
    }

    init(prompts: [PromptInput]) {
        self.prompts = prompts
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        guard container.contains(.prompt) else {
            throw APIError.badRequest("prompt is required: a string, an array of strings, an array of token ids "
                                      + "or an array of arrays of token ids.", param: "prompt")
        }
        prompts = try PromptInput.decodeList(from: container.superDecoder(forKey: .prompt))
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo) ?? false
        logprobs = try container.decodeIfPresent(Int.self, forKey: .logprobs)
        promptLogprobs = try container.decodeIfPresent(Int.self, forKey: .promptLogprobs)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        addSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .addSpecialTokens) ?? true
        sampling = try SamplingFields(from: decoder)
        tokenOutputs = try TokenOutputFields(from: decoder)
        if streamOptions != nil, !stream {
            throw APIError.badRequest("stream_options can only be set when stream is true.", param: "stream_options")
        }
    }

    /// Decodes a request body, refusing unsupported features by name first.
    static func decode(from body: ByteBuffer) throws(APIError) -> CompletionRequest {
        let raw = try JSONBody.decode(JSONValue.self, from: body)
        try UnsupportedFields.check(raw, rules: UnsupportedFields.completions)
        var request = try JSONBody.decode(CompletionRequest.self, from: body)
        request.structuredOutput = try StructuredOutputFields.decode(from: body, raw: raw)
        return request
    }
}

/// One prompt as the request gave it.
enum PromptInput: Equatable, Sendable {
    case text(String)
    case tokenIDs([Int])

    /// `prompt` in any of its four shapes: a string, a list of strings, a list of token ids, or a
    /// list of lists of token ids.
    static func decodeList(from decoder: any Decoder) throws -> [PromptInput] {
        let container = try decoder.singleValueContainer()
        let prompts: [PromptInput]
        if let text = try? container.decode(String.self) {
            prompts = [.text(text)]
        } else if let texts = try? container.decode([String].self) {
            prompts = texts.map(PromptInput.text)
        } else if let tokenIDs = try? container.decode([Int].self) {
            prompts = [.tokenIDs(tokenIDs)]
        } else if let lists = try? container.decode([[Int]].self) {
            prompts = lists.map(PromptInput.tokenIDs)
        } else {
            throw APIError.badRequest(
                "prompt must be a string, an array of strings, an array of token ids or an array of arrays of "
                    + "token ids.", param: "prompt")
        }
        guard !prompts.isEmpty else {
            throw APIError.badRequest("prompt must not be an empty array.", param: "prompt")
        }
        return prompts
    }
}
