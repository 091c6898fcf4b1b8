/// Serializes values exactly as Python's `json.dumps` does, since Hugging Face replaces jinja2's
/// `tojson` with `json.dumps(x, ensure_ascii=False, indent=indent, separators=separators,
/// sort_keys=sort_keys)` and chat templates embed its output (tool schemas, call arguments) in
/// the prompt.
struct PythonJSONEncoder {
    /// Escape every non-ASCII character as `\uXXXX` (Python's default; Hugging Face turns it off).
    var ensureASCII = false
    /// The text repeated per nesting level, or nil to write everything on one line.
    var indent: String?
    /// Between items; Python's default is ", " on one line and "," when indenting.
    var itemSeparator: String?
    /// Between a key and its value.
    var keySeparator = ": "
    var sortKeys = false

    static let maximumDepth = 128

    func encode(_ value: JinjaValue) throws(JinjaError) -> String {
        var output = ""
        try write(value, level: 0, into: &output)
        return output
    }

    private func write(_ value: JinjaValue, level: Int, into output: inout String) throws(JinjaError) {
        guard level < Self.maximumDepth else { throw .runtime("tojson: value nests deeper than \(Self.maximumDepth) levels") }
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number):
            if number.isNaN {
                output += "NaN"
            } else if number.isInfinite {
                output += number < 0 ? "-Infinity" : "Infinity"
            } else {
                output += JinjaValue.formatDouble(number)
            }
        case .string(let text), .markup(let text): writeString(text, into: &output)
        case .array(let items):
            try writeContainer(items.map { (nil, $0) }, open: "[", close: "]", level: level, into: &output)
        case .object(let object):
            var entries = object.pythonEntries
            if sortKeys {
                var failure: JinjaError?
                entries.sort { a, b in
                    do throws(JinjaError) {
                        return try PythonComparison.order(a.key, b.key) < 0
                    } catch {
                        failure = error
                        return false
                    }
                }
                if let failure { throw failure }
            }
            // Python writes integer keys as strings.
            let pairs = entries.map { (Optional($0.key.stringValue ?? $0.key.pythonString), $0.value) }
            try writeContainer(pairs, open: "{", close: "}", level: level, into: &output)
        case .undefined, .iterator, .callable, .namespace:
            throw .runtime("Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func writeContainer(
        _ entries: [(String?, JinjaValue)], open: String, close: String, level: Int, into output: inout String
    ) throws(JinjaError) {
        output += open
        guard !entries.isEmpty else {
            output += close
            return
        }
        let separator = itemSeparator ?? (indent == nil ? ", " : ",")
        let newline = indent.map { "\n" + String(repeating: $0, count: level + 1) }
        for (position, (key, value)) in entries.enumerated() {
            if position > 0 { output += separator }
            if let newline { output += newline }
            if let key {
                writeString(key, into: &output)
                output += keySeparator
            }
            try write(value, level: level + 1, into: &output)
        }
        if let indent { output += "\n" + String(repeating: indent, count: level) }
        output += close
    }

    private func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7E) {
                    if scalar.value > 0xFFFF {
                        // Astral characters become a UTF-16 surrogate pair, as in Python.
                        let offset = scalar.value - 0x10000
                        output += Self.unicodeEscape(0xD800 + (offset >> 10)) + Self.unicodeEscape(0xDC00 + (offset & 0x3FF))
                    } else {
                        output += Self.unicodeEscape(scalar.value)
                    }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
