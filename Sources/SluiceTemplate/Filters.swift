import Foundation

/// jinja2's built-in filters (`jinja2/filters.py`), with `tojson` replaced by Hugging Face's
/// `json.dumps` version. Signatures, defaults and edge cases follow jinja2 3.1, because chat
/// templates are tested only against it.
enum Filters {
    static let names: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
        "first", "float", "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list",
        "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
        "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "truncate", "unique", "upper", "wordcount",
    ]

    static func apply(_ name: String, to value: JinjaValue, _ arguments: CallArguments, renderer: Renderer) throws(JinjaError) -> JinjaValue {
        let result = try applyUncounted(name, to: value, arguments, renderer: renderer)
        if let text = result.stringValue, name != "string", name != "safe" { try renderer.charge(bytes: text.utf8.count) }
        // markupsafe's string methods return Markup, so these filters keep a safe string safe.
        if case .markup = value, markupPreserving.contains(name), case .string(let text) = result { return .markup(text) }
        return result
    }

    static let markupPreserving: Set<String> = ["capitalize", "center", "format", "indent", "lower", "string", "trim", "upper"]

    private static func applyUncounted(_ name: String, to value: JinjaValue, _ arguments: CallArguments, renderer: Renderer) throws(JinjaError) -> JinjaValue {
        switch name {
        case "abs":
            _ = try arguments.bind(name, [])
            switch Arithmetic.Number(value) {
            case .int(let number)?:
                guard number != .min else { throw .runtime("integer overflow in abs(\(number))") }
                return .int(abs(number))
            case .double(let number)?: return .double(abs(number))
            case nil: throw .runtime("bad operand type for abs(): '\(value.typeName)'")
            }
        case "attr":
            let attribute = try arguments.bind(name, ["name"], required: 1)[0]!
            guard case .string(let attributeName) = attribute.plain else { return .undefined }
            // Only real attributes: a dict's keys are not attributes.
            if case .object(let object) = value { return Methods.dictionaryMethod(attributeName, of: object) ?? .undefined }
            if case .undefined = value { return .undefined }
            return try renderer.attribute(of: value, named: attributeName)
        case "capitalize": return .string(PythonString.capitalize(value.pythonString))
        case "center":
            let width = try integer(try arguments.bind(name, ["width"])[0], default: 80, name)
            try renderer.charge(bytes: width)
            return .string(PythonString.pad(value.pythonString, width: width, fill: " ", alignment: .center))
        case "count", "length":
            _ = try arguments.bind(name, [])
            return .int(try length(of: value))
        case "d", "default":
            let slots = try arguments.bind(name, ["default_value", "boolean"])
            let useDefault = value.isUndefined || ((slots[1]?.isTruthy ?? false) && !value.isTruthy)
            return useDefault ? slots[0] ?? "" : value
        case "e", "escape", "forceescape":
            if case .markup = value, name != "forceescape" { return value }
            return .markup(escapeHTML(value.pythonString))
        case "first":
            switch value {
            case .iterator(let iterator): return iterator.next() ?? .undefined
            default: return try renderer.iterate(value).first ?? .undefined
            }
        case "last":
            if case .iterator = value { throw .runtime("'generator' object is not reversible") }
            return try renderer.iterate(value).last ?? .undefined
        case "float":
            let fallback = try arguments.bind(name, ["default"])[0] ?? .double(0)
            if case .undefined = value { throw .runtime("cannot convert an undefined value to float") }
            return pythonFloat(value).map { .double($0) } ?? fallback
        case "int":
            let slots = try arguments.bind(name, ["default", "base"])
            if case .undefined = value { throw .runtime("cannot convert an undefined value to int") }
            return pythonInt(value, base: try integer(slots[1], default: 10, name)).map { .int($0) } ?? slots[0] ?? .int(0)
        case "format":
            let formatArguments: JinjaValue = arguments.keywords.isEmpty
                ? .array(arguments.positional) : .object(JinjaObject(arguments.keywords.map { ($0.name, $0.value) }))
            if !arguments.keywords.isEmpty && !arguments.positional.isEmpty {
                throw .runtime("can't handle positional and keyword arguments at the same time")
            }
            return .string(try PythonFormat.format(value.pythonString, formatArguments))
        case "indent":
            return .string(try indent(value.pythonString, try arguments.bind(name, ["width", "first", "blank"]), renderer: renderer))
        case "items":
            _ = try arguments.bind(name, [])
            switch value {
            case .undefined: return .iterator(JinjaIterator([]))
            case .object(let object): return .iterator(JinjaIterator(object.pythonEntries.map { [$0.key, $0.value] }))
            default: throw .runtime("Can only get item pairs from a mapping.")
            }
        case "join":
            let slots = try arguments.bind(name, ["d", "attribute"])
            var items = try renderer.iterate(value)
            if let attribute = slots[1], attribute != .null {
                let getter = try attributeGetter(attribute, renderer: renderer)
                items = try items.map { item throws(JinjaError) in try getter(item) }
            }
            return .string(items.map(\.pythonString).joined(separator: slots[0]?.pythonString ?? ""))
        case "list":
            _ = try arguments.bind(name, [])
            return .array(try renderer.iterate(value))
        case "lower": return .string(value.pythonString.lowercased())
        case "upper": return .string(value.pythonString.uppercased())
        case "replace":
            let slots = try arguments.bind(name, ["old", "new", "count"], required: 2)
            let text = value.pythonString
            let new = slots[1]!.pythonString
            let limit = slots[2].flatMap { $0 == .null ? nil : $0.pythonIndex } ?? -1
            try renderer.charge(bytes: (text.unicodeScalars.count + 1).multipliedReportingOverflow(by: new.utf8.count).partialValue / 2)
            return .string(PythonString.replace(text, slots[0]!.pythonString, new, count: limit))
        case "reverse":
            switch value.plain {
            case .string(let text): return .string(PythonString.string(text.unicodeScalars.reversed()))
            case .iterator(let iterator): return .array(iterator.drain().reversed())
            case .array, .object, .undefined: return .iterator(JinjaIterator(try renderer.iterate(value).reversed()))
            default: throw .runtime("argument must be iterable")
            }
        case "round":
            return try round(value, try arguments.bind(name, ["precision", "method"]))
        case "safe":
            return .markup(value.pythonString)
        case "string":
            return .string(value.pythonString)
        case "title": return .string(title(value.pythonString))
        case "tojson":
            return .string(try toJSON(value, try arguments.bind(name, ["ensure_ascii", "indent", "separators", "sort_keys"])))
        case "trim":
            let chars = try arguments.bind(name, ["chars"])[0]
            return .string(PythonString.strip(value.pythonString, characters: chars == .null ? nil : chars?.pythonString))
        case "truncate":
            return .string(try truncate(value.pythonString, try arguments.bind(name, ["length", "killwords", "end", "leeway"])))
        case "wordcount":
            return .int(wordCount(value.pythonString))
        default:
            return try applyCollectionFilter(name, to: value, arguments, renderer: renderer)
        }
    }

    /// Python's `len()`.
    static func length(of value: JinjaValue) throws(JinjaError) -> Int {
        switch value.plain {
        case .string(let text): return text.unicodeScalars.count
        case .array(let items): return items.count
        case .object(let object): return object.count
        case .undefined: return 0
        default: throw .runtime("object of type '\(value.typeName)' has no len()")
        }
    }

    static func integer(_ value: JinjaValue?, default defaultValue: Int, _ filter: String) throws(JinjaError) -> Int {
        guard let value else { return defaultValue }
        guard let number = value.pythonIndex else { throw .runtime("\(filter): expected an integer, got \(value.typeName)") }
        return number
    }

    /// markupsafe's `escape`: `& < > " '` become entities.
    static func escapeHTML(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Python's `float(value)`, or nil where it raises.
    static func pythonFloat(_ value: JinjaValue) -> Double? {
        switch value.plain {
        case .int, .bool, .double: return Arithmetic.Number(value)!.asDouble
        case .string(let text):
            let trimmed = PythonString.strip(text, characters: nil)
            guard !trimmed.lowercased().hasPrefix("0x"), let cleaned = removeDigitUnderscores(trimmed) else { return nil }
            return Double(cleaned)
        default: return nil
        }
    }

    /// Python's `int(value, base)`, falling back to `int(float(value))` as jinja2's `int` does.
    static func pythonInt(_ value: JinjaValue, base: Int) -> Int? {
        switch value.plain {
        case .int(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        case .double(let number):
            guard number.isFinite, let integer = Int(exactly: number.rounded(.towardZero)) else { return nil }
            return integer
        case .string(let text):
            var digits = PythonString.strip(text, characters: nil).lowercased()
            var negative = false
            if let sign = digits.first, sign == "-" || sign == "+" {
                negative = sign == "-"
                digits.removeFirst()
            }
            var radix = base
            for (prefix, prefixRadix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) && (base == 0 || base == prefixRadix) {
                radix = prefixRadix
                digits.removeFirst(2)
                if digits.hasPrefix("_") { digits.removeFirst() }
            }
            if radix == 0 { radix = 10 }
            if let cleaned = removeDigitUnderscores(digits), (2...36).contains(radix), let number = Int(cleaned, radix: radix), !cleaned.hasPrefix("+"), !cleaned.hasPrefix("-") {
                return negative ? -number : number
            }
            guard let real = pythonFloat(value), real.isFinite else { return nil }
            return Int(exactly: real.rounded(.towardZero))
        default:
            return nil
        }
    }

    /// Removes underscores that sit between two digits, as Python numeric literals allow; nil if
    /// any underscore sits elsewhere.
    static func removeDigitUnderscores(_ text: String) -> String? {
        let characters = Array(text)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character == "_" {
                guard index > 0, index + 1 < characters.count, characters[index - 1].isHexDigit, characters[index + 1].isHexDigit else { return nil }
                continue
            }
            result.append(character)
        }
        return result
    }

    /// jinja2's `indent`: every line but the first (unless `first`) gets the indentation, blank
    /// lines only when `blank`.
    static func indent(_ text: String, _ slots: [JinjaValue?], renderer: Renderer) throws(JinjaError) -> String {
        let indentation: String
        switch slots[0]?.plain {
        case .string(let custom)?: indentation = custom
        case let width?: indentation = String(repeating: " ", count: max(try integer(width, default: 4, "indent"), 0))
        case nil: indentation = "    "
        }
        let first = slots[1]?.isTruthy ?? false
        let blank = slots[2]?.isTruthy ?? false
        var lines = PythonString.splitLines(text + "\n")
        try renderer.charge(bytes: lines.count * indentation.utf8.count)
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.removeFirst()
            if !lines.isEmpty {
                result += "\n" + lines.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        return first ? indentation + result : result
    }

    static func round(_ value: JinjaValue, _ slots: [JinjaValue?]) throws(JinjaError) -> JinjaValue {
        let precision = try integer(slots[0], default: 0, "round")
        let method = slots[1]?.pythonString ?? "common"
        guard ["common", "ceil", "floor"].contains(method) else { throw .runtime("method must be common, ceil or floor") }
        guard let number = Arithmetic.Number(value) else { throw .runtime("type \(value.typeName) doesn't define __round__ method") }
        let scale = Foundation.pow(10.0, Double(precision))
        if method != "common" {
            let scaled = number.asDouble * scale
            return .double((method == "ceil" ? scaled.rounded(.up) : scaled.rounded(.down)) / scale)
        }
        switch number {
        case .int(let integer) where precision >= 0:
            return .int(integer)
        case .int(let integer):
            return .int(Int((Double(integer) / Foundation.pow(10.0, Double(-precision))).rounded(.toNearestOrEven) * Foundation.pow(10.0, Double(-precision))))
        case .double(let real):
            guard real.isFinite else { return .double(real) }
            if precision >= 0 && precision <= 30 {
                // printf rounds the exact binary value half-to-even, as Python's round() does.
                return .double(Double(String(format: "%.\(precision)f", real)) ?? real)
            }
            return .double((real * scale).rounded(.toNearestOrEven) / scale)
        }
    }

    /// jinja2's `title`: each word (split at whitespace, `-`, and opening brackets) starts with
    /// an uppercase letter and continues in lowercase.
    static func title(_ text: String) -> String {
        var result = ""
        var atWordStart = true
        for scalar in text.unicodeScalars {
            if scalar.isPythonWhitespace || "-({[<".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
                atWordStart = true
            } else {
                result += atWordStart ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping
                atWordStart = false
            }
        }
        return result
    }

    static func toJSON(_ value: JinjaValue, _ slots: [JinjaValue?]) throws(JinjaError) -> String {
        var encoder = PythonJSONEncoder()
        encoder.ensureASCII = slots[0]?.isTruthy ?? false
        switch slots[1]?.plain {
        case nil, .null?: break
        case .string(let text)?: encoder.indent = text
        case let width?:
            guard let count = width.pythonIndex else { throw .runtime("tojson: indent must be an integer or a string") }
            encoder.indent = String(repeating: " ", count: max(count, 0))
        }
        switch slots[2] {
        case nil, .null?: break
        case .array(let pair)? where pair.count == 2:
            encoder.itemSeparator = pair[0].pythonString
            encoder.keySeparator = pair[1].pythonString
        default: throw .runtime("tojson: separators must be a pair of strings")
        }
        encoder.sortKeys = slots[3]?.isTruthy ?? false
        return try encoder.encode(value)
    }

    static func truncate(_ text: String, _ slots: [JinjaValue?]) throws(JinjaError) -> String {
        let length = try integer(slots[0], default: 255, "truncate")
        let killWords = slots[1]?.isTruthy ?? false
        let end = slots[2]?.pythonString ?? "..."
        let leeway = try integer(slots[3], default: 5, "truncate")
        let scalars = Array(text.unicodeScalars)
        let endLength = end.unicodeScalars.count
        guard length >= endLength else { throw .runtime("expected length >= \(endLength), got \(length)") }
        if scalars.count <= length + leeway { return text }
        let kept = PythonString.string(scalars.prefix(length - endLength))
        if killWords { return kept + end }
        if let space = kept.lastIndex(of: " ") { return String(kept[..<space]) + end }
        return kept + end
    }

    /// The number of runs of word characters (Python's `\w+`).
    static func wordCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            let isWord = scalar == "_" || scalar.isPythonLetter || scalar.properties.numericType != nil
            if isWord && !inWord { count += 1 }
            inWord = isWord
        }
        return count
    }
}
