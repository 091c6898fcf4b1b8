/// The tool-call formats `--tool-call-parser` offers, under vLLM's names. Each is the format a family of chat
/// templates teaches its model; without the flag the server picks one from the template (``detected(fromTemplate:)``).
public enum ToolCallParserKind: String, CaseIterable, Sendable {
    /// Qwen2.5's and Hermes's `<tool_call>{"name": …, "arguments": …}</tool_call>` (``HermesToolCallParser``).
    case hermes
    /// Llama 3.1–3.3's `{"name": …, "parameters": …}` objects, after `<|python_tag|>` or bare, joined by `;`.
    case llama3JSON = "llama3_json"
    /// Mistral's `[TOOL_CALLS]`, then a JSON array of calls or (newer templates) `name[ARGS]{…}`.
    case mistral
    /// A Python list of calls with keyword arguments, `[get_weather(city="Paris")]` (Llama 3.2's and LFM2's).
    case pythonic

    /// The format a chat template teaches, read from the markup it writes: `[TOOL_CALLS]` is Mistral's,
    /// `<tool_call>` Hermes's, Llama 3's instruction to answer `{"name": function name, "parameters": …}` (or
    /// `<|python_tag|>` with `"parameters"`) llama3_json's, and a call list built as `func(a=1)` pythonic.
    /// Any other template, or none, gets Hermes, the format small models write most readily.
    public static func detected(fromTemplate template: String?) -> ToolCallParserKind {
        guard let template else { return .hermes }
        if template.contains("[TOOL_CALLS]") { return .mistral }
        if template.contains("<tool_call>") { return .hermes }
        if template.contains(#"{"name": function name, "parameters""#)
            || (template.contains("<|python_tag|>") && template.contains(#""parameters""#)) {
            return .llama3JSON
        }
        if PythonicToolCallParser.templateMarkers.contains(where: template.contains) { return .pythonic }
        return .hermes
    }

    /// The names `--tool-call-parser` takes, `auto` first.
    public static var flagValues: String { (["auto"] + allCases.map(\.rawValue)).joined(separator: ", ") }
}
