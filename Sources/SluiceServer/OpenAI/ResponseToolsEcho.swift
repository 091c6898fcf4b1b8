import SluiceGrammar

/// A request's `tools`, `tool_choice` and `parallel_tool_calls` as the response object repeats them (OpenAI
/// echoes the request's settings): the tools as the client wrote them, `tool_choice` `auto` by default when
/// there are tools and `none` when there are none.
struct ResponseToolsEcho: Sendable {
    var tools: SluiceGrammar.JSONValue = .array([])
    var toolChoice: SluiceGrammar.JSONValue = .string("none")
    var parallelToolCalls = true

    init() {}

    /// The settings of an accepted request body (members in order).
    init(request body: SluiceGrammar.JSONValue) {
        if let tools = body["tools"], tools.arrayValue != nil { self.tools = tools }
        if let choice = body["tool_choice"], choice != .null {
            toolChoice = choice
        } else if !(tools.arrayValue ?? []).isEmpty {
            toolChoice = .string("auto")
        }
        parallelToolCalls = body["parallel_tool_calls"]?.boolValue ?? true
    }
}
