/// What a ``ToolCallParser`` found in a completion's text: the function calls, and the text around them.
struct ParsedToolCalls: Sendable, Equatable {
    /// One function call, as OpenAI returns it in `message.tool_calls[i].function`.
    struct Call: Sendable, Equatable {
        let name: String
        /// The arguments as compact JSON text (OpenAI's `arguments` is a string holding JSON).
        let arguments: String
    }

    /// The text that is not a call, trimmed; nil when nothing else was written.
    var content: String?
    var calls: [Call]
}
