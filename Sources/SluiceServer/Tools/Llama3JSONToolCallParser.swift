/// Llama 3.1–3.3's JSON calls (vLLM's `llama3_json`): the template asks for
/// `{"name": function name, "parameters": dictionary of argument name and its value}`, which the model writes
/// bare at the start of its answer or after `<|python_tag|>`, several joined by `;`.
///
/// As in vLLM, `arguments` is read as well as `parameters`, and keys other than those two and `name` are
/// skipped (small models add `"type": "function"`). What follows the last call is content. A `{` later in the
/// answer is no call: a model that explains JSON has not called a tool (vLLM's whole-text reading takes any
/// object in the text; its streaming reading only one at the start, which is what both do here).
struct Llama3JSONToolCallParser: ToolCallFormat {
    static let pythonTag = "<|python_tag|>"

    var functionNames: Set<String>? = nil

    var openMarkers: [String] { [Self.pythonTag] }
    var bareOpenings: Set<Unicode.Scalar> { ["{"] }

    func makeReader(after marker: String?) -> any CallRegionReader {
        SemicolonCallsReader()
    }
}

/// JSON call objects joined by `;`: after each, a `;` (whitespace around it) and a `{` go on to the next;
/// anything else ends the calls just before it, and is content.
struct SemicolonCallsReader: CallRegionReader {
    private var object: JSONCallReader? = nil
    private var numObjects = 0
    private var sawSeparator = true
    private(set) var status = CallBlockScanner.Status.reading
    private(set) var leftLastCharacter = false

    var isBetweenCalls: Bool { object == nil && numObjects > 0 && status == .reading }

    mutating func read(_ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        if var reader = object {
            let events = reader.read(c)
            switch reader.status {
            case .reading: object = reader
            case .done: object = nil; numObjects += 1; sawSeparator = false
            case .failed: status = .failed
            }
            return events
        }
        if c.properties.isWhitespace { return [] }
        if c == ";" && !sawSeparator {
            sawSeparator = true
        } else if c == "{" && sawSeparator {
            var reader = JSONCallReader()
            let events = reader.read(c)
            object = reader
            return events
        } else if numObjects == 0 {
            // After `<|python_tag|>`, only an object may follow.
            status = .failed
        } else {
            status = .done
            leftLastCharacter = true
        }
        return []
    }
}
