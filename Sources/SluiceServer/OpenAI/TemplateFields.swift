import SluiceTemplate

/// vLLM's chat-template controls beyond `add_generation_prompt`: `continue_final_message`,
/// `chat_template_kwargs` and `documents`, which chat completions and `/tokenize` share.
struct TemplateFields: Decodable, Sendable {
    /// Leave the last message open so the model continues it (needs `add_generation_prompt` false).
    var continueFinalMessage = false
    /// Extra variables for the template: `chat_template_kwargs`, and `documents` when given.
    var variables: [String: JinjaValue] = [:]

    /// Variables the server sets itself, which `chat_template_kwargs` may not replace.
    static let reservedVariables: Set<String> = [
        "messages", "add_generation_prompt", "bos_token", "eos_token", "tools", "documents",
    ]

    enum CodingKeys: String, CodingKey {
        case documents
        case continueFinalMessage = "continue_final_message"
        case chatTemplateKwargs = "chat_template_kwargs"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        continueFinalMessage = try container.decodeIfPresent(Bool.self, forKey: .continueFinalMessage) ?? false
        switch try container.decodeIfPresent(JSONValue.self, forKey: .chatTemplateKwargs) ?? .null {
        case .null:
            break
        case .object(let kwargs):
            if let reserved = kwargs.keys.sorted().first(where: Self.reservedVariables.contains) {
                throw APIError.badRequest(
                    "chat_template_kwargs may not set `\(reserved)`: the server sets it from the request's own fields.",
                    param: "chat_template_kwargs")
            }
            for (name, value) in kwargs { variables[name] = JinjaValue(json: value) }
        default:
            throw APIError.badRequest("chat_template_kwargs must be an object, such as {\"enable_thinking\": false}.",
                                      param: "chat_template_kwargs")
        }
        switch try container.decodeIfPresent(JSONValue.self, forKey: .documents) ?? .null {
        case .null:
            break
        case .array(let documents) where documents.allSatisfy({ if case .object = $0 { true } else { false } }):
            variables["documents"] = .array(documents.map(JinjaValue.init(json:)))
        default:
            throw APIError.badRequest("documents must be an array of objects, such as [{\"title\": ..., \"text\": ...}].",
                                      param: "documents")
        }
    }
}

extension JinjaValue {
    /// A JSON value as the template sees it; whole numbers become integers, as Python's `json` reads them.
    init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 9.0e15 { self = .int(Int(value)) } else { self = .double(value) }
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(JinjaValue.init(json:)))
        case .object(let object): self = .object(JinjaObject(object.sorted { $0.key < $1.key }.map { ($0.key, JinjaValue(json: $0.value)) }))
        }
    }
}
