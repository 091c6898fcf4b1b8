/// One item of a response's `output`: the model's thought, the assistant's message, or a call to one of the
/// request's functions.
enum ResponseOutputItem: Encodable, Sendable {
    case reasoning(ResponseReasoningItem)
    case message(ResponseOutputMessage)
    case functionCall(ResponseFunctionCall)

    var id: String {
        switch self {
        case .reasoning(let thought): return thought.id
        case .message(let message): return message.id
        case .functionCall(let call): return call.id
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .reasoning(let thought): try thought.encode(to: encoder)
        case .message(let message): try message.encode(to: encoder)
        case .functionCall(let call): try call.encode(to: encoder)
        }
    }
}
