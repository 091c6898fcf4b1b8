import Foundation
import SluiceGrammar

/// A Python literal as a pythonic tool call writes its arguments, read into JSON: strings in either quote
/// with Python's escapes, numbers, `True`/`False`/`None` (and JSON's `true`/`false`/`null`, which small models
/// write too), lists and tuples as arrays, dicts with string keys as objects. vLLM reads the same subset
/// with Python's `ast` (literals only: no names, calls or arithmetic).
struct PythonLiteral {
    struct Invalid: Error {}

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0

    /// The JSON value of `text`, or nil when it is not such a literal.
    static func json(_ text: String) -> SluiceGrammar.JSONValue? {
        var reader = PythonLiteral(scalars: Array(text.unicodeScalars))
        guard let value = try? reader.value() else { return nil }
        reader.skipSpace()
        return reader.index == reader.scalars.count ? value : nil
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private mutating func value() throws(Invalid) -> SluiceGrammar.JSONValue {
        skipSpace()
        guard index < scalars.count else { throw Invalid() }
        let c = scalars[index]
        switch c {
        case "'", "\"": return .string(try string())
        case "[": return .array(try sequence(closing: "]"))
        case "(": return .array(try sequence(closing: ")"))
        case "{": return try dict()
        default:
            if c == "-" || c == "+" || c == "." || ("0"..."9").contains(c) { return try number() }
            let word = identifier()
            switch word {
            case "True", "true": return .bool(true)
            case "False", "false": return .bool(false)
            case "None", "null": return .null
            default: throw Invalid()
            }
        }
    }

    private mutating func sequence(closing: Unicode.Scalar) throws(Invalid) -> [SluiceGrammar.JSONValue] {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [SluiceGrammar.JSONValue] = []
        while true {
            skipSpace()
            if take(closing) { return items }
            items.append(try value())
            skipSpace()
            if take(closing) { return items }
            guard take(",") else { throw Invalid() }
        }
    }

    private mutating func dict() throws(Invalid) -> SluiceGrammar.JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [(String, SluiceGrammar.JSONValue)] = []
        while true {
            skipSpace()
            if take("}") { return .object(members) }
            guard case .string(let key) = try value() else { throw Invalid() }
            skipSpace()
            guard take(":") else { throw Invalid() }
            members.append((key, try value()))
            skipSpace()
            if take("}") { return .object(members) }
            guard take(",") else { throw Invalid() }
        }
    }

    /// A number as JSON writes it: `_` separators dropped, `1.` and `.5` completed, `+` dropped.
    private mutating func number() throws(Invalid) -> SluiceGrammar.JSONValue {
        var text = ""
        while index < scalars.count {
            let c = scalars[index]
            guard ("0"..."9").contains(c) || c == "." || c == "-" || c == "+" || c == "e" || c == "E" || c == "_" else { break }
            if c != "_" { text.unicodeScalars.append(c) }
            index += 1
        }
        if text.hasPrefix("+") { text.removeFirst() }
        text = text.replacingOccurrences(of: "-.", with: "-0.").replacingOccurrences(of: ".e", with: ".0e")
            .replacingOccurrences(of: ".E", with: ".0E")
        if text.hasPrefix(".") { text = "0" + text }
        if text.hasSuffix(".") { text += "0" }
        guard let parsed = try? SluiceGrammar.JSONValue.parse(text), case .number = parsed else { throw Invalid() }
        return parsed
    }

    /// A quoted string with Python's escapes; an unknown escape keeps its backslash, as Python does.
    private mutating func string() throws(Invalid) -> String {
        let quote = scalars[index]
        index += 1
        var out = String.UnicodeScalarView()
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if c == quote { return String(out) }
            if c == "\n" { throw Invalid() }
            guard c == "\\" else { out.append(c); continue }
            guard index < scalars.count else { throw Invalid() }
            let e = scalars[index]
            index += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "0": out.append("\0")
            case "\\", "'", "\"": out.append(e)
            case "\n": break
            case "x": out.append(try hex(digits: 2))
            case "u": out.append(try hex(digits: 4))
            case "U": out.append(try hex(digits: 8))
            default: out.append("\\"); out.append(e)
            }
        }
        throw Invalid()
    }

    private mutating func hex(digits: Int) throws(Invalid) -> Unicode.Scalar {
        guard index + digits <= scalars.count else { throw Invalid() }
        let text = String(String.UnicodeScalarView(scalars[index..<index + digits]))
        index += digits
        guard let value = UInt32(text, radix: 16), let scalar = Unicode.Scalar(value) else { throw Invalid() }
        return scalar
    }

    private mutating func identifier() -> String {
        var word = ""
        while index < scalars.count, Self.isIdentifierCharacter(scalars[index]) {
            word.unicodeScalars.append(scalars[index])
            index += 1
        }
        return word
    }

    static func isIdentifierCharacter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
    }

    /// Nesting is bounded, so that a hostile answer cannot exhaust the stack.
    private mutating func enter() throws(Invalid) {
        depth += 1
        if depth > 64 { throw Invalid() }
    }

    private mutating func take(_ c: Unicode.Scalar) -> Bool {
        guard index < scalars.count, scalars[index] == c else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }
}
