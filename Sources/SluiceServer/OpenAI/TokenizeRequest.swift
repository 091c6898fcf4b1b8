/// The body of `POST /tokenize`, as vLLM takes it: a `prompt`, or chat `messages` rendered with
/// the chat template.
struct TokenizeRequest: Decodable, Sendable {
    var model: String?
    var input: Input
    /// Add BOS as the model asks; by default on for a prompt, off for messages (the template writes it).
    var addSpecialTokens: Bool
    var addGenerationPrompt: Bool
    /// `continue_final_message`, `chat_template_kwargs` and `documents`, for messages.
    var template = TemplateFields()

    /// What to tokenize.
    enum Input: Equatable, Sendable {
        case prompt(String)
        case messages([ChatMessage])
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, messages
        case addSpecialTokens = "add_special_tokens"
        case addGenerationPrompt = "add_generation_prompt"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        if let prompt = try container.decodeIfPresent(String.self, forKey: .prompt) {
            input = .prompt(prompt)
        } else if let messages = try container.decodeIfPresent([ChatMessageInput].self, forKey: .messages) {
            input = .messages(messages.map(\.message))
        } else {
            throw APIError.badRequest("Send either prompt (a string) or messages (a chat conversation).", param: "prompt")
        }
        let isPrompt = if case .prompt = input { true } else { false }
        addSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .addSpecialTokens) ?? isPrompt
        addGenerationPrompt = try container.decodeIfPresent(Bool.self, forKey: .addGenerationPrompt) ?? true
        template = try TemplateFields(from: decoder)
    }
}

/// The body of a `/tokenize` response.
struct TokenizeResponse: Encodable, Sendable {
    var count: Int
    var maxModelLength: Int
    var tokens: [Int]

    enum CodingKeys: String, CodingKey {
        case count, tokens
        case maxModelLength = "max_model_len"
    }
}

/// The body of `POST /detokenize`.
struct DetokenizeRequest: Decodable, Sendable {
    var model: String?
    var tokens: [Int]
}

/// The body of a `/detokenize` response.
struct DetokenizeResponse: Encodable, Sendable {
    var prompt: String
}
