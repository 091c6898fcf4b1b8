import SluiceEngine
import SluiceGrammar
import SluiceTemplate

/// What the three chat-shaped endpoints (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`) do alike with
/// a request's tools, whatever shape the API gave them in: hand them to the template, constrain the output.
extension ToolFields {
    /// The `tools` array as the chat template reads it (chat's nested shape, as Hugging Face's
    /// `apply_chat_template` passes it).
    func templateValue() throws(APIError) -> JinjaValue {
        do {
            return try JinjaValue(parsingJSON: toolsJSON)
        } catch {
            throw .badRequest("tools could not be read: \(error)", param: "tools")
        }
    }

    /// Refuses a second output constraint (`response_format`, `text.format`) next to `required` or a named
    /// function, which constrain the output to the calls.
    func checkCombination(with other: StructuredOutputFields?) throws(APIError) {
        guard constraint != nil, let other else { return }
        throw .badRequest("`\(other.field)` cannot be combined with tool_choice \"required\" or a named function, "
                          + "which constrain the output to the call's arguments.", param: other.field)
    }

    /// The template variables with the tools added as `tools`.
    static func variables(_ variables: [String: JinjaValue], adding tools: ToolFields?) throws(APIError) -> [String: JinjaValue] {
        guard let tools else { return variables }
        var variables = variables
        variables["tools"] = try tools.templateValue()
        return variables
    }

    /// Gives `params` the grammar the request asks for: its structured output or the calls `tool_choice` forces;
    /// for `auto`, the lazy grammar of one call, on the triggers of the tools' call format. A format whose call
    /// marker is a special token (Mistral's `[TOOL_CALLS]`) keeps special tokens in the text unless the client
    /// chose (`skipSpecialTokens`), so the parser sees the marker.
    static func constrain(_ params: inout SamplingParams, format: StructuredOutputFields?, tools: ToolFields?,
                          skipSpecialTokens: Bool? = nil, state: ServerState) async throws(APIError) {
        if let constraint = format ?? tools?.constraint {
            params.structuredOutput = try await state.grammars.compile(constraint)
        } else if let tools, let calls = tools.lazyCallConstraint {
            // Best effort: tools whose schemas the grammar cannot enforce are still offered, unconstrained.
            if let compiled = try? await state.grammars.compile(calls) {
                params.structuredOutput = compiled
                params.grammarTriggers = tools.callTriggers(tokenizer: state.tokenizer)
            }
        }
        if skipSpecialTokens == nil, tools?.hidesCallMarkers(tokenizer: state.tokenizer) == true {
            params.skipSpecialTokens = false
        }
    }

    /// One call as chat templates read an assistant message's `tool_calls[i]`: `{"id", "type": "function",
    /// "function": {"name", "arguments"}}`, the arguments an object when they parse as one (as vLLM gives them).
    static func templateCall(id: String, name: String, arguments: SluiceGrammar.JSONValue) -> SluiceGrammar.JSONValue {
        var parsed = arguments
        if let text = arguments.stringValue, let object = try? SluiceGrammar.JSONValue.parse(text) { parsed = object }
        return .object([("id", .string(id)), ("type", .string("function")),
                        ("function", .object([("name", .string(name)), ("arguments", parsed)]))])
    }
}
