import SluiceEngine

/// A `function_call` output item: `{"type": "function_call", "id": "fc_…", "call_id": "call_…", "name",
/// "arguments", "status"}`. `id` names the item in the stream's events; `call_id` is what the client's
/// `function_call_output` answers, as OpenAI separates them.
struct ResponseFunctionCall: Encodable, Sendable {
    var id: String
    var callID: String
    var name: String
    /// The arguments as JSON text, as the model wrote them (OpenAI's `arguments` is a string).
    var arguments: String
    var status: String

    enum CodingKeys: String, CodingKey {
        case type, id, name, arguments, status
        case callID = "call_id"
    }

    /// A call opened now, with fresh ids.
    init(name: String, arguments: String, status: String) {
        id = "fc_\(RequestID.random().rawValue)"
        callID = "call_\(RequestID.random().rawValue)"
        self.name = name
        self.arguments = arguments
        self.status = status
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("function_call", forKey: .type)
        try container.encode(id, forKey: .id)
        try container.encode(callID, forKey: .callID)
        try container.encode(name, forKey: .name)
        try container.encode(arguments, forKey: .arguments)
        try container.encode(status, forKey: .status)
    }
}
