/// The body of `POST /v1/embeddings`, as OpenAI takes it, plus vLLM's `truncate_prompt_tokens` and
/// `add_special_tokens`.
struct EmbeddingRequest: Decodable, Sendable {
    var model: String?
    var input: Input
    var encodingFormat: EncodingFormat
    /// Matryoshka truncation: keep the first `dimensions` values, then re-normalise.
    var dimensions: Int?
    /// Keep only the last this many tokens of each input (-1: the model's context), as vLLM; without it
    /// a longer input is refused.
    var truncatePromptTokens: Int?
    /// Add the model's special tokens ([CLS], [SEP]) to text inputs; on by default.
    var addSpecialTokens: Bool

    /// What to embed: one text or many, one token-id list or many.
    enum Input: Equatable, Sendable {
        case texts([String])
        case tokenIDs([[Int]])
    }

    enum EncodingFormat: String, Decodable, Sendable {
        case float, base64
    }

    enum CodingKeys: String, CodingKey {
        case model, input, dimensions, user
        case encodingFormat = "encoding_format"
        case truncatePromptTokens = "truncate_prompt_tokens"
        case addSpecialTokens = "add_special_tokens"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        guard container.contains(.input) else {
            throw APIError.badRequest("input is required: a string, a list of strings, a list of token ids, or a list of such lists.",
                                      param: "input")
        }
        if let text = try? container.decode(String.self, forKey: .input) {
            input = .texts([text])
        } else if let texts = try? container.decode([String].self, forKey: .input) {
            input = .texts(texts)
        } else if let ids = try? container.decode([Int].self, forKey: .input) {
            input = .tokenIDs([ids])
        } else if let lists = try? container.decode([[Int]].self, forKey: .input) {
            input = .tokenIDs(lists)
        } else {
            throw APIError.badRequest(
                "input must be a string, a list of strings, a list of token ids, or a list of token-id lists (not a mix).",
                param: "input")
        }
        let isEmpty = switch input {
        case .texts(let texts): texts.isEmpty
        case .tokenIDs(let lists): lists.isEmpty
        }
        if isEmpty { throw APIError.badRequest("input is empty: send at least one text or token-id list.", param: "input") }
        let format = try container.decodeIfPresent(String.self, forKey: .encodingFormat) ?? "float"
        guard let encodingFormat = EncodingFormat(rawValue: format) else {
            throw APIError.badRequest("encoding_format must be \"float\" or \"base64\", not \"\(format)\".", param: "encoding_format")
        }
        self.encodingFormat = encodingFormat
        dimensions = try container.decodeIfPresent(Int.self, forKey: .dimensions)
        truncatePromptTokens = try container.decodeIfPresent(Int.self, forKey: .truncatePromptTokens)
        if let truncatePromptTokens, truncatePromptTokens < 1 && truncatePromptTokens != -1 {
            throw APIError.badRequest("truncate_prompt_tokens must be at least 1, or -1 for the model's context.",
                                      param: "truncate_prompt_tokens")
        }
        addSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .addSpecialTokens) ?? true
    }
}

/// The body of a `/v1/embeddings` response.
struct EmbeddingResponse: Encodable, Sendable {
    var data: [Embedding]
    var model: String
    var promptTokens: Int

    /// One input's vector: floats, or base64 of little-endian float32.
    struct Embedding: Encodable, Sendable {
        var index: Int
        var vector: Vector

        enum Vector: Sendable {
            case float([Float])
            case base64(String)
        }

        enum CodingKeys: String, CodingKey { case object, index, embedding }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("embedding", forKey: .object)
            try container.encode(index, forKey: .index)
            switch vector {
            case .float(let values): try container.encode(values, forKey: .embedding)
            case .base64(let text): try container.encode(text, forKey: .embedding)
            }
        }
    }

    enum CodingKeys: String, CodingKey { case object, data, model, usage }
    enum UsageKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case totalTokens = "total_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("list", forKey: .object)
        try container.encode(data, forKey: .data)
        try container.encode(model, forKey: .model)
        var usage = container.nestedContainer(keyedBy: UsageKeys.self, forKey: .usage)
        try usage.encode(promptTokens, forKey: .promptTokens)
        try usage.encode(promptTokens, forKey: .totalTokens)
    }
}
