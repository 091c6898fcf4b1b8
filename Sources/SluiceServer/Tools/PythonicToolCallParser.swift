import SluiceGrammar

/// Calls written as a Python list (vLLM's `pythonic`): `[get_weather(city="Paris", days=3), get_time()]`, the
/// format Llama 3.2's pythonic template and ToolACE teach. Arguments are keywords with literal values
/// (``PythonLiteral``), sent as the JSON object they stand for: `{"city":"Paris","days":3}`.
///
/// The list opens the answer, bare, or follows LFM2's `<|tool_call_start|>` or Llama 4's `<|python_start|>`,
/// whose closing tag after the list is dropped. What follows the list is content. Streamed, each argument
/// goes out once its value is whole, as JSON (the model's own characters are Python, not JSON).
struct PythonicToolCallParser: ToolCallFormat {
    /// Tags that open a call list in the models that use them.
    static let openTags = ["<|tool_call_start|>", "<|python_start|>"]
    static let closeTags = ["<|tool_call_end|>", "<|python_end|>"]
    /// What a chat template that teaches this format writes: vLLM's pythonic template asks for
    /// `[func_name1(params_name1=params_value1, …)]`; LFM2's writes calls after `<|tool_call_start|>[`.
    static let templateMarkers = ["[func_name1(", "<|tool_call_start|>[", "<|python_start|>"]

    var functionNames: Set<String>? = nil

    var openMarkers: [String] { Self.openTags }
    var bareOpenings: Set<Unicode.Scalar> { ["["] }

    func makeReader(after marker: String?) -> any CallRegionReader {
        PythonCallListReader()
    }
}

/// Reads `[name(key=value, …), …]` a character at a time, each value kept raw until it ends (a `,` or `)`
/// outside brackets and strings) and then read as a literal.
struct PythonCallListReader: CallRegionReader {
    private enum State {
        case start
        case beforeCall
        case name(String)
        case afterName(String)
        /// A keyword's name; `ended` once whitespace followed it.
        case key(String, ended: Bool)
        case value(key: String, raw: String, end: PythonValueEnd)
        case afterCall
        /// After `]`: a closing tag may follow, matched so far.
        case afterList(String)
    }

    private var state = State.start
    private var firstArgument = true
    private(set) var status = CallBlockScanner.Status.reading
    private(set) var leftLastCharacter = false

    var isBetweenCalls: Bool {
        switch state {
        case .afterCall, .afterList: return true
        default: return false
        }
    }

    mutating func read(_ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        let space = c.properties.isWhitespace
        switch state {
        case .start:
            if space { return [] }
            if c == "[" { state = .beforeCall } else { status = .failed }
        case .beforeCall:
            if space { return [] }
            if Self.startsName(c) { state = .name(String(Character(c))) } else { status = .failed }
        case .name(var name):
            if PythonLiteral.isIdentifierCharacter(c) || c == "." {
                name.unicodeScalars.append(c)
                state = .name(name)
            } else if space {
                state = .afterName(name)
            } else {
                return openArguments(name, c)
            }
        case .afterName(let name):
            if space { return [] }
            return openArguments(name, c)
        case .key(var key, let ended):
            if space {
                if !key.isEmpty { state = .key(key, ended: true) }
            } else if c == "=", !key.isEmpty {
                state = .value(key: key, raw: "", end: PythonValueEnd())
            } else if c == ")", key.isEmpty {
                state = .afterCall
                return [.arguments("}"), .callEnd]
            } else if !ended, (key.isEmpty ? Self.startsName(c) : PythonLiteral.isIdentifierCharacter(c)) {
                key.unicodeScalars.append(c)
                state = .key(key, ended: false)
            } else {
                // A positional argument, or anything else: not a call this server can pass on.
                status = .failed
            }
        case .value(let key, var raw, var end):
            if end.isOutside, c == "," || c == ")" {
                guard let value = PythonLiteral.json(raw) else { status = .failed; return [] }
                let member = (firstArgument ? "" : ",") + SluiceGrammar.JSONValue.string(key).compactText() + ":" + value.compactText()
                firstArgument = false
                if c == "," {
                    state = .key("", ended: false)
                    return [.arguments(member)]
                }
                state = .afterCall
                return [.arguments(member + "}"), .callEnd]
            }
            guard end.read(c) else { status = .failed; return [] }
            raw.unicodeScalars.append(c)
            state = .value(key: key, raw: raw, end: end)
        case .afterCall:
            if space { return [] }
            if c == "," { state = .beforeCall } else if c == "]" { state = .afterList("") } else { status = .failed }
        case .afterList(var tag):
            if tag.isEmpty, space { return [] }
            tag.unicodeScalars.append(c)
            if PythonicToolCallParser.closeTags.contains(tag) {
                status = .done
            } else if PythonicToolCallParser.closeTags.contains(where: { $0.hasPrefix(tag) }) {
                state = .afterList(tag)
            } else {
                status = .done
                leftLastCharacter = true
            }
        }
        return []
    }

    /// `(` after a name opens its arguments; the name goes out with the object's opening brace.
    private mutating func openArguments(_ name: String, _ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        guard c == "(" else { status = .failed; return [] }
        state = .key("", ended: false)
        firstArgument = true
        return [.name(name), .arguments("{")]
    }

    private static func startsName(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
    }
}

/// Where a Python literal ends: outside any bracket and string. It checks that brackets match, so a value
/// that breaks them fails at once.
struct PythonValueEnd {
    private var open: [Unicode.Scalar] = []
    private var quote: Unicode.Scalar?
    private var escaped = false

    /// Whether the text so far is outside brackets and strings.
    var isOutside: Bool { open.isEmpty && quote == nil }

    /// Reads `c`; false when it closes a bracket that is not open.
    mutating func read(_ c: Unicode.Scalar) -> Bool {
        if let q = quote {
            if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == q { quote = nil }
            return true
        }
        switch c {
        case "'", "\"": quote = c
        case "[", "(", "{": open.append(c)
        case "]", ")", "}":
            let expected: Unicode.Scalar = c == "]" ? "[" : c == ")" ? "(" : "{"
            guard open.popLast() == expected else { return false }
        default: break
        }
        return true
    }
}
