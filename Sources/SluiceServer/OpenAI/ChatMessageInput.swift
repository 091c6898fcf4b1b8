/// One message of a chat request: its content is a string or an array of `{"type": "text"}`
/// parts, joined with newlines as vLLM does; any other part type is refused by name.
struct ChatMessageInput: Decodable {
    let message: ChatMessage

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let role = try container.decode(String.self, forKey: .role)
        let field = APIError.path(container.codingPath)
        if role == "function" {
            throw APIError.unsupported(
                "\(field): messages with role \"function\" are not supported by this server: use role \"tool\".",
                param: "\(field).role")
        }
        if let calls = try container.decodeIfPresent(JSONValue.self, forKey: .toolCalls), calls != .null {
            guard case .array = calls else {
                throw APIError.badRequest("\(field).tool_calls must be an array.", param: "\(field).tool_calls")
            }
        }
        let content = try Self.decodeContent(container, field: field)
        // tool_calls are filled in from the body with their keys in order (ChatCompletionRequest.decode).
        message = ChatMessage(role: role, content: content, name: try container.decodeIfPresent(String.self, forKey: .name),
                              toolCallID: try container.decodeIfPresent(String.self, forKey: .toolCallID))
    }

    private static func decodeContent(_ container: KeyedDecodingContainer<CodingKeys>, field: String) throws -> String {
        if let text = try? container.decodeIfPresent(String.self, forKey: .content) { return text }
        guard let parts = try? container.decodeIfPresent([JSONValue].self, forKey: .content) else {
            if container.contains(.content), try !container.decodeNil(forKey: .content) {
                throw APIError.badRequest(
                    "\(field).content must be a string or an array of content parts.", param: "\(field).content")
            }
            return ""  // null or absent content, as an assistant turn may have
        }
        var texts: [String] = []
        for (index, part) in parts.enumerated() {
            let partField = "\(field).content[\(index)]"
            guard case .string(let type)? = part["type"] else {
                throw APIError.badRequest("\(partField).type must be a string such as \"text\".", param: partField)
            }
            guard type == "text" else {
                throw APIError.unsupported(
                    "\(partField): content parts of type \"\(type)\" are not supported by this server: the model "
                        + "reads text only. Send {\"type\": \"text\", \"text\": ...} parts.", param: partField)
            }
            guard case .string(let text)? = part["text"] else {
                throw APIError.badRequest("\(partField).text must be a string.", param: "\(partField).text")
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }
}
