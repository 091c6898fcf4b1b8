import SluiceGrammar

/// The turns of a Messages request as chat messages for the template, read from the body with its members in
/// order (a `tool_use` block's `input` reaches the template with its keys as the client wrote them).
///
/// A turn's content is a string or blocks: `text` blocks join with newlines; an assistant's `tool_use` blocks
/// (`id`, `name`, `input`) become the message's `tool_calls`, as chat templates read them; a user's
/// `tool_result` blocks (`tool_use_id`, `content` as a string or text blocks, `is_error`) each become a `tool`
/// message before the turn's text, as vLLM's Anthropic endpoint turns them into chat messages. A `tool_result`
/// must answer a `tool_use` of an earlier assistant turn, as Anthropic requires. `thinking` blocks of earlier
/// assistant turns (which clients such as Claude Code send back) are dropped: templates render no past thought.
/// Images, documents and server tools' blocks are refused by name.
enum AnthropicConversation {
    static func messages(from value: SluiceGrammar.JSONValue?) throws(APIError) -> [ChatMessage] {
        guard let value, value != .null else {
            throw .badRequest("messages is required: the conversation's turns.", param: "messages")
        }
        guard let turns = value.arrayValue else { throw .badRequest("messages must be an array of turns.", param: "messages") }
        guard !turns.isEmpty else { throw .badRequest("messages must hold at least one message.", param: "messages") }
        var messages: [ChatMessage] = []
        var callIDs: Set<String> = []
        for (index, turn) in turns.enumerated() {
            let field = "messages[\(index)]"
            guard turn.objectValue != nil, let role = turn["role"]?.stringValue else {
                throw .badRequest("\(field) must be an object with a role and content.", param: "\(field).role")
            }
            guard role == "user" || role == "assistant" else {
                throw .badRequest("\(field).role must be \"user\" or \"assistant\", got \"\(role)\"; put a system prompt in `system`.",
                                  param: "\(field).role")
            }
            guard let content = turn["content"], content != .null else {
                throw .badRequest("\(field).content is required.", param: "\(field).content")
            }
            if let text = content.stringValue {
                messages.append(ChatMessage(role: role, content: text))
                continue
            }
            guard let blocks = content.arrayValue else {
                throw .badRequest("\(field).content must be a string or an array of content blocks.", param: "\(field).content")
            }
            var texts: [String] = []
            var calls: [SluiceGrammar.JSONValue] = []
            var results: [ChatMessage] = []
            for (blockIndex, block) in blocks.enumerated() {
                let blockField = "\(field).content[\(blockIndex)]"
                guard let type = block["type"]?.stringValue else {
                    throw .badRequest("\(blockField).type must be a string such as \"text\".", param: blockField)
                }
                switch (type, role) {
                case ("text", _):
                    texts.append(try text(of: block, field: blockField))
                case ("tool_use", "assistant"):
                    let id = try string(block, "id", field: blockField)
                    let name = try string(block, "name", field: blockField)
                    guard let input = block["input"], input.objectValue != nil else {
                        throw .badRequest("\(blockField).input must be an object: the call's arguments.", param: "\(blockField).input")
                    }
                    calls.append(ToolFields.templateCall(id: id, name: name, arguments: input))
                    callIDs.insert(id)
                case ("tool_result", "user"):
                    let id = try string(block, "tool_use_id", field: blockField)
                    guard callIDs.contains(id) else {
                        throw .badRequest("\(blockField).tool_use_id \"\(id)\" answers no tool_use block of an earlier "
                                          + "assistant turn.", param: "\(blockField).tool_use_id")
                    }
                    var output = try resultText(block["content"], field: "\(blockField).content")
                    // The template has no field for it; the model reads that the call failed.
                    if block["is_error"]?.boolValue == true { output = "Error: " + output }
                    results.append(ChatMessage(role: "tool", content: output, toolCallID: id))
                case ("thinking", "assistant"), ("redacted_thinking", "assistant"):
                    continue
                case ("tool_use", _), ("tool_result", _):
                    throw .badRequest("\(blockField): \(type) blocks belong in \(type == "tool_use" ? "assistant" : "user") turns.",
                                      param: "\(blockField).type")
                default:
                    throw .unsupported(
                        "\(blockField): content blocks of type \"\(type)\" are not supported by this server: the model "
                            + "reads and writes text and tool calls only. Send {\"type\": \"text\", \"text\": ...} blocks.",
                        param: blockField)
                }
            }
            if role == "assistant" {
                let callsJSON = calls.isEmpty ? nil : SluiceGrammar.JSONValue.array(calls).compactText()
                messages.append(ChatMessage(role: role, content: texts.joined(separator: "\n"), toolCallsJSON: callsJSON))
            } else {
                messages += results
                if results.isEmpty || !texts.isEmpty { messages.append(ChatMessage(role: role, content: texts.joined(separator: "\n"))) }
            }
        }
        return messages
    }

    private static func text(of block: SluiceGrammar.JSONValue, field: String) throws(APIError) -> String {
        guard let text = block["text"]?.stringValue else { throw .badRequest("\(field).text must be a string.", param: "\(field).text") }
        return text
    }

    private static func string(_ block: SluiceGrammar.JSONValue, _ key: String, field: String) throws(APIError) -> String {
        guard let value = block[key]?.stringValue, !value.isEmpty else {
            throw .badRequest("\(field).\(key) is required: a string.", param: "\(field).\(key)")
        }
        return value
    }

    /// A `tool_result`'s content: absent, a string, or text blocks joined with newlines.
    private static func resultText(_ content: SluiceGrammar.JSONValue?, field: String) throws(APIError) -> String {
        guard let content, content != .null else { return "" }
        if let text = content.stringValue { return text }
        guard let blocks = content.arrayValue else {
            throw .badRequest("\(field) must be a string or an array of text blocks.", param: field)
        }
        var texts: [String] = []
        for (index, block) in blocks.enumerated() {
            guard block["type"]?.stringValue == "text" else {
                throw .unsupported("\(field)[\(index)]: a tool result's content must be text blocks on this server.",
                                   param: "\(field)[\(index)]")
            }
            texts.append(try text(of: block, field: "\(field)[\(index)]"))
        }
        return texts.joined(separator: "\n")
    }
}
