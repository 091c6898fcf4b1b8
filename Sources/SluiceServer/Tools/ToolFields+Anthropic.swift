import SluiceGrammar

/// Anthropic's spelling of tools: `{"name", "description", "input_schema"}` (with `type` absent or `custom`), and
/// `tool_choice` as `{"type": "auto" | "any" | "tool" | "none"}` with `name` for `tool` and
/// `disable_parallel_tool_use`. They are read into chat's shape, which chat templates know: `any` is chat's
/// `required`, `tool` a named function. Anthropic's server tools (`web_search_…`, `bash_…`, `text_editor_…`) run
/// on Anthropic's side, so they are refused by name.
extension ToolFields {
    /// The tools of a `/v1/messages` body, or nil when it has none or `tool_choice` is `none`.
    static func decodeAnthropic(from body: SluiceGrammar.JSONValue) throws(APIError) -> ToolFields? {
        var chat: [(String, SluiceGrammar.JSONValue)] = []
        if let tools = body["tools"], tools != .null {
            guard let list = tools.arrayValue else { throw .badRequest("tools must be a list of tools.", param: "tools") }
            var converted: [SluiceGrammar.JSONValue] = []
            for (index, tool) in list.enumerated() { converted.append(try chatTool(anthropicTool: tool, field: "tools[\(index)]")) }
            chat.append(("tools", .array(converted)))
        }
        if let choice = body["tool_choice"], choice != .null {
            let (chatChoice, parallel) = try chatToolChoice(anthropicChoice: choice)
            chat.append(("tool_choice", chatChoice))
            chat.append(("parallel_tool_calls", .bool(parallel)))
        }
        return try decode(from: .object(chat))
    }

    private static func chatTool(anthropicTool tool: SluiceGrammar.JSONValue, field: String) throws(APIError) -> SluiceGrammar.JSONValue {
        guard tool.objectValue != nil else { throw .badRequest("\(field) must be an object.", param: field) }
        if let type = tool["type"], type != .null, type != .string("custom") {
            throw .unsupported(
                "\(field): tools of type \(type.compactText()) are not supported by this server, which runs no tools of its own; "
                    + #"declare client tools ({"name": ..., "input_schema": {...}}) and run them in the client."#,
                param: "\(field).type")
        }
        guard let name = tool["name"]?.stringValue, !name.isEmpty else {
            throw .badRequest("\(field).name is required.", param: "\(field).name")
        }
        guard let schema = tool["input_schema"], schema.objectValue != nil else {
            throw .badRequest("\(field).input_schema is required: the JSON schema of the tool's input object.",
                              param: "\(field).input_schema")
        }
        var function: [(String, SluiceGrammar.JSONValue)] = [("name", .string(name))]
        if let description = tool["description"], description != .null {
            guard description.stringValue != nil else {
                throw .badRequest("\(field).description must be a string.", param: "\(field).description")
            }
            function.append(("description", description))
        }
        function.append(("parameters", schema))
        return .object([("type", .string("function")), ("function", .object(function))])
    }

    /// Chat's `tool_choice` for Anthropic's, and whether calls may be parallel.
    private static func chatToolChoice(anthropicChoice choice: SluiceGrammar.JSONValue) throws(APIError)
        -> (SluiceGrammar.JSONValue, Bool)
    {
        let parallel = choice["disable_parallel_tool_use"]?.boolValue.map { !$0 } ?? true
        switch choice["type"]?.stringValue {
        case "auto"?: return (.string("auto"), parallel)
        case "any"?: return (.string("required"), parallel)
        case "none"?: return (.string("none"), parallel)
        case "tool"?:
            guard let name = choice["name"]?.stringValue, !name.isEmpty else {
                throw .badRequest(#"tool_choice {"type": "tool"} needs the tool's name."#, param: "tool_choice")
            }
            return (.object([("type", .string("function")), ("function", .object([("name", .string(name))]))]), parallel)
        default:
            throw .badRequest(#"tool_choice must be {"type": "auto"}, {"type": "any"}, {"type": "tool", "name": ...} or {"type": "none"}."#,
                              param: "tool_choice")
        }
    }
}
