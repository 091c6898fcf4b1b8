import SluiceGrammar

/// The Responses API's spelling of tools: function tools are flat (`{"type": "function", "name", "description",
/// "parameters", "strict"}`) and a named `tool_choice` is `{"type": "function", "name"}`. They are read into chat's
/// nested shape, which chat templates know, as vLLM converts them for `/v1/responses`; the tools the model cannot
/// call (OpenAI's hosted `web_search`, `file_search`, `computer_use` …) are refused by name, since this server runs
/// no tool itself.
extension ToolFields {
    /// The tools of a `/v1/responses` body, or nil when it has none or `tool_choice` is `none`.
    static func decodeResponses(from body: SluiceGrammar.JSONValue) throws(APIError) -> ToolFields? {
        var chat: [(String, SluiceGrammar.JSONValue)] = []
        if let tools = body["tools"], tools != .null {
            guard let list = tools.arrayValue else { throw .badRequest("tools must be a list of tools.", param: "tools") }
            var converted: [SluiceGrammar.JSONValue] = []
            for (index, tool) in list.enumerated() { converted.append(try chatTool(responsesTool: tool, field: "tools[\(index)]")) }
            chat.append(("tools", .array(converted)))
        }
        if let choice = body["tool_choice"] { chat.append(("tool_choice", try chatToolChoice(responsesChoice: choice))) }
        if let parallel = body["parallel_tool_calls"], parallel != .null {
            guard parallel.boolValue != nil else {
                throw .badRequest("parallel_tool_calls must be true or false.", param: "parallel_tool_calls")
            }
            chat.append(("parallel_tool_calls", parallel))
        }
        return try decode(from: .object(chat))
    }

    /// One flat function tool as chat's `{"type": "function", "function": {...}}`.
    private static func chatTool(responsesTool tool: SluiceGrammar.JSONValue, field: String) throws(APIError) -> SluiceGrammar.JSONValue {
        guard tool.objectValue != nil else { throw .badRequest("\(field) must be an object.", param: field) }
        guard let type = tool["type"]?.stringValue else {
            throw .badRequest(#"\#(field).type is required: "function"."#, param: "\(field).type")
        }
        guard type == "function" else {
            throw .unsupported(
                "\(field): tools of type \"\(type)\" are not supported by this server, which runs no tools of its own; "
                    + #"declare functions ({"type": "function", "name": ..., "parameters": {...}}) and run them in the client."#,
                param: "\(field).type")
        }
        guard let name = tool["name"]?.stringValue, !name.isEmpty else {
            if tool["function"] != nil {
                throw .badRequest(#"\#(field).name is required: the Responses API takes function tools flat, {"type": "function", "name": ..., "parameters": ...}, not chat's {"function": {...}}."#,
                                  param: "\(field).name")
            }
            throw .badRequest("\(field).name is required.", param: "\(field).name")
        }
        var function: [(String, SluiceGrammar.JSONValue)] = [("name", .string(name))]
        if let description = tool["description"], description != .null {
            guard description.stringValue != nil else {
                throw .badRequest("\(field).description must be a string.", param: "\(field).description")
            }
            function.append(("description", description))
        }
        if let parameters = tool["parameters"], parameters != .null {
            guard parameters.objectValue != nil else {
                throw .badRequest("\(field).parameters must be a JSON schema object.", param: "\(field).parameters")
            }
            function.append(("parameters", parameters))
        }
        if let strict = tool["strict"], strict != .null { function.append(("strict", strict)) }
        return .object([("type", .string("function")), ("function", .object(function))])
    }

    /// `auto`, `none`, `required` as they are; `{"type": "function", "name"}` as chat's named choice.
    private static func chatToolChoice(responsesChoice choice: SluiceGrammar.JSONValue) throws(APIError) -> SluiceGrammar.JSONValue {
        let shapes = #"tool_choice must be "none", "auto", "required" or {"type": "function", "name": ...}."#
        if choice == .null || ["none", "auto", "required"].contains(choice.stringValue ?? "") { return choice }
        guard let type = choice["type"]?.stringValue else { throw .badRequest(shapes, param: "tool_choice") }
        guard type == "function" else {
            throw .unsupported("tool_choice of type \"\(type)\" is not supported by this server: it takes \"none\", \"auto\", "
                               + #""required" or {"type": "function", "name": ...}."#, param: "tool_choice")
        }
        guard let name = choice["name"]?.stringValue else {
            throw .badRequest(#"tool_choice {"type": "function"} needs the function's name."#, param: "tool_choice")
        }
        return .object([("type", .string("function")), ("function", .object([("name", .string(name))]))])
    }
}
