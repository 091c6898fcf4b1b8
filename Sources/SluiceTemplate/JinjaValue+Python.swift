/// How values behave as Python objects: truthiness, `str()` (what `{{ }}` prints) and `repr()`
/// (how values print inside lists and dicts).
extension JinjaValue {
    /// Python's `bool(value)`: empty strings and collections, zero, `None` and undefined are false;
    /// iterators, like Python generators, are always true.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .null: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value), .markup(let value): !value.isEmpty
        case .array(let value): !value.isEmpty
        case .object(let value): !value.isEmpty
        case .iterator, .callable, .namespace: true
        }
    }

    /// The Python type name, for error messages that match jinja2's ("'int' object is not iterable").
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .null: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .markup: "Markup"
        case .array: "list"
        case .object: "dict"
        case .iterator: "generator"
        case .callable(let callable): callable.kind == .macro ? "Macro" : "function"
        case .namespace: "Namespace"
        }
    }

    /// Python's `str(value)`, which is what `{{ value }}` writes; undefined writes nothing.
    public var pythonString: String {
        switch self {
        case .undefined: ""
        case .string(let value), .markup(let value): value
        default: pythonRepr
        }
    }

    /// Python's `repr(value)`: `'text'` in quotes, `None`, `True`, `[1, 'a']`, `{'k': 'v'}`.
    public var pythonRepr: String {
        switch self {
        case .undefined: ""
        case .null: "None"
        case .bool(let value): value ? "True" : "False"
        case .int(let value): String(value)
        case .double(let value): Self.formatDouble(value)
        case .string(let value): Self.quote(value)
        case .markup(let value): "Markup(\(Self.quote(value)))"
        case .array(let values): "[" + values.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let object):
            "{" + object.pythonEntries.map { "\($0.key.pythonRepr): \($0.value.pythonRepr)" }.joined(separator: ", ") + "}"
        case .iterator: "<generator object>"
        case .callable(let callable): callable.kind == .macro ? "<Macro '\(callable.name)'>" : "<function \(callable.name)>"
        case .namespace(let namespace): "<Namespace \(JinjaValue.object(namespace.attributes).pythonRepr)>"
        }
    }

    /// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
    /// decimal exponent is between -4 and 16 (`0.0001`, `1e-05`, `1e+16`, `1.0`).
    static func formatDouble(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        // Swift's description also yields the shortest round-trip digits; only the layout differs.
        let text = value.magnitude.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1])! : 0
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(mantissa[0] + (mantissa.count > 1 ? mantissa[1] : ""))
        var pointPosition = mantissa[0].count + exponent
        while digits.count > 1 && digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.count > 1 && digits.last == "0" { digits.removeLast() }
        if digits == ["0"] { return sign + "0.0" }
        let digitText = String(digits)
        if pointPosition <= -4 || pointPosition > 16 {
            let decimalExponent = pointPosition - 1
            let head = digits.count == 1 ? digitText : "\(digits[0]).\(String(digits.dropFirst()))"
            let exponentText = String(abs(decimalExponent))
            return sign + head + (decimalExponent < 0 ? "e-" : "e+") + (exponentText.count < 2 ? "0" : "") + exponentText
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digitText
        }
        if pointPosition >= digits.count {
            return sign + digitText + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        }
        return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }

    /// Python's `repr(str)`: single quotes unless the text has a single quote and no double quote,
    /// with control and other unprintable characters escaped.
    static func quote(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let quote: Unicode.Scalar = scalars.contains("'") && !scalars.contains("\"") ? "\"" : "'"
        var result = String.UnicodeScalarView()
        result.append(quote)
        for scalar in scalars {
            switch scalar {
            case quote, "\\":
                result.append("\\")
                result.append(scalar)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            default:
                if scalar.isPythonPrintable {
                    result.append(scalar)
                } else {
                    let hex = String(scalar.value, radix: 16)
                    let (prefix, width) = scalar.value < 0x100 ? ("\\x", 2) : scalar.value < 0x10000 ? ("\\u", 4) : ("\\U", 8)
                    result.append(contentsOf: (prefix + String(repeating: "0", count: width - hex.count) + hex).unicodeScalars)
                }
            }
        }
        result.append(quote)
        return String(result)
    }
}

extension Unicode.Scalar {
    /// Python's `str.isprintable()` for one character: everything but control, format,
    /// surrogate, private-use, unassigned and separator characters, except the ASCII space.
    var isPythonPrintable: Bool {
        if self == " " { return true }
        switch properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// Python's `str.isspace()` for one character, which `strip()`, `split()` and jinja2's
    /// whitespace control use.
    var isPythonWhitespace: Bool {
        switch value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }
}
