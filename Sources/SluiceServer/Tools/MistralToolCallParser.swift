/// Mistral's tool calls (vLLM's `mistral`): `[TOOL_CALLS]` and then either a JSON array of
/// `{"name", "arguments"}` objects (Mistral 7B v0.3, Nemo) or, from tokenizer v11 on, the name written out
/// and its arguments' JSON object after it: `[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}` (Devstral,
/// Ministral 3), `[TOOL_CALLS]get_weather{…}` (v11), or with `[CALL_ID]` and an id before `[ARGS]`
/// (Mistral Small 3.2's template). Several calls each have their own `[TOOL_CALLS]`.
///
/// Text before the first `[TOOL_CALLS]` is content, as in vLLM; so is text after a call. `[TOOL_CALLS]` is a
/// control token, which the server keeps in the output for this format (vLLM's `adjust_request` does too).
struct MistralToolCallParser: ToolCallFormat {
    static let toolCallsTag = "[TOOL_CALLS]"

    var functionNames: Set<String>? = nil

    var openMarkers: [String] { [Self.toolCallsTag] }
    var bareOpenings: Set<Unicode.Scalar> { [] }

    func makeReader(after marker: String?) -> any CallRegionReader {
        MistralCallReader()
    }
}

/// What follows one `[TOOL_CALLS]`: a JSON array (or object) of calls, or a name and its arguments object.
struct MistralCallReader: CallRegionReader {
    private enum State {
        case start
        case json(JSONCallReader)
        case name(String)
        /// A `[…]` tag after the name: `[ARGS]`, or `[CALL_ID]` before an id.
        case tag(String)
        case callID
        case beforeArguments
        case arguments(JSONValueEnd)
    }

    private var state = State.start
    private(set) var status = CallBlockScanner.Status.reading

    var isBetweenCalls: Bool { false }

    mutating func read(_ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        switch state {
        case .start:
            if c.properties.isWhitespace { return [] }
            if c == "[" || c == "{" {
                return readJSON(JSONCallReader(), c)
            }
            return readName("", c)
        case .json(let reader):
            return readJSON(reader, c)
        case .name(let name):
            return readName(name, c)
        case .tag(var tag):
            tag.unicodeScalars.append(c)
            if c != "]" {
                if tag.unicodeScalars.count > 10 { status = .failed } else { state = .tag(tag) }
                return []
            }
            switch tag {
            case "[ARGS]": state = .beforeArguments
            case "[CALL_ID]": state = .callID
            default: status = .failed
            }
        case .callID:
            // The id runs to the next tag; only `[ARGS]` may follow it.
            if c == "[" { state = .tag("[") } else if !Self.isNameCharacter(c) { status = .failed }
        case .beforeArguments:
            if c.properties.isWhitespace { return [] }
            guard c == "{" else { status = .failed; return [] }
            return readArguments(JSONValueEnd(), c)
        case .arguments(let end):
            return readArguments(end, c)
        }
        return []
    }

    private mutating func readJSON(_ reader: JSONCallReader, _ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        var reader = reader
        let events = reader.read(c)
        state = .json(reader)
        status = reader.status
        return events
    }

    /// The name runs to `[` (a tag) or `{` (the arguments, v11's form).
    private mutating func readName(_ name: String, _ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        if Self.isNameCharacter(c) {
            var name = name
            name.unicodeScalars.append(c)
            state = .name(name)
            return []
        }
        guard !name.isEmpty, c == "[" || c == "{" else { status = .failed; return [] }
        if c == "[" {
            state = .tag("[")
            return [.name(name)]
        }
        return [.name(name)] + readArguments(JSONValueEnd(), c)
    }

    private mutating func readArguments(_ end: JSONValueEnd, _ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        var end = end
        var text = ""
        text.unicodeScalars.append(c)
        switch end.read(c) {
        case .inside:
            state = .arguments(end)
            return [.arguments(text)]
        case .closed:
            status = .done
            return [.arguments(text), .callEnd]
        case .endedBefore, .invalid:
            status = .failed
            return []
        }
    }

    private static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-" || c == "."
    }
}
