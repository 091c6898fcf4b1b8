/// Finds the function calls a model wrote in its answer, in the format its chat template taught it (vLLM's
/// `ToolParser`, chosen by `--tool-call-parser`). Parsers are forgiving: text that does not parse as a call
/// stays content, never an error.
protocol ToolCallParser: Sendable {
    func parse(_ text: String) -> ParsedToolCalls
}
