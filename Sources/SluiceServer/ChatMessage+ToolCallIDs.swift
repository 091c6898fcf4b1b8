import SluiceGrammar

extension ChatMessage {
    /// The message with every tool-call id it carries (an assistant turn's `tool_calls[].id`, a tool
    /// turn's `tool_call_id`) cut to its last `length` characters; everything else as it was, the calls'
    /// members in their order.
    func truncatingToolCallIDs(to length: Int) -> ChatMessage {
        var message = self
        if let id = toolCallID, id.count > length { message.toolCallID = String(id.suffix(length)) }
        guard let json = toolCallsJSON, case .array(let calls)? = try? SluiceGrammar.JSONValue.parse(json) else { return message }
        let truncated = calls.map { call -> SluiceGrammar.JSONValue in
            guard case .object(let members) = call else { return call }
            return .object(members.map { key, value in
                guard key == "id", case .string(let id) = value, id.count > length else { return (key, value) }
                return (key, .string(String(id.suffix(length))))
            })
        }
        message.toolCallsJSON = SluiceGrammar.JSONValue.array(truncated).compactText()
        return message
    }
}
