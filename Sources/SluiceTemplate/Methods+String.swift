/// The Python `str` methods templates call, such as `content.strip()` and
/// `content.split('</think>')[-1]`.
extension Methods {
    static let stringMethodNames: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith",
        "upper", "lower", "title", "capitalize", "swapcase", "casefold", "replace", "find", "rfind",
        "index", "rindex", "count", "join", "format", "isdigit", "isalpha", "isalnum", "isspace",
        "isupper", "islower", "istitle", "isdecimal", "isnumeric", "zfill", "center", "ljust", "rjust",
        "partition", "rpartition", "removeprefix", "removesuffix",
    ]

    /// A bound `str` method; on a markup receiver, string results stay markup, as markupsafe's
    /// wrapped methods return `Markup`.
    static func stringMethod(_ name: String, of text: String, isMarkup: Bool = false) -> JinjaValue? {
        guard stringMethodNames.contains(name) else { return nil }
        return method(name) { arguments, renderer throws(JinjaError) in
            let result = try callStringMethod(name, on: text, arguments, renderer: renderer)
            if case .string(let produced) = result { try renderer.charge(bytes: produced.utf8.count) }
            guard isMarkup else { return result }
            switch result {
            case .string(let produced): return .markup(produced)
            case .array(let items): return .array(items.map { item in item.stringValue.map(JinjaValue.markup) ?? item })
            default: return result
            }
        }
    }

    static func callStringMethod(_ name: String, on text: String, _ arguments: CallArguments, renderer: Renderer) throws(JinjaError) -> JinjaValue {
        func optionalString(_ value: JinjaValue?, _ what: String) throws(JinjaError) -> String? {
            switch value {
            case nil, .null?: return nil
            case .string(let string)?, .markup(let string)?: return string
            case let other?: throw .runtime("\(name)() \(what) must be str or None, not \(other.typeName)")
            }
        }
        func string(_ value: JinjaValue?) throws(JinjaError) -> String {
            guard let string = value?.stringValue else { throw .runtime("\(name)() argument must be str, not \(value?.typeName ?? "nothing")") }
            return string
        }
        func optionalInt(_ value: JinjaValue?) throws(JinjaError) -> Int? {
            guard let value, value != .null else { return nil }
            guard let number = value.pythonIndex else { throw .runtime("\(name)() expected an integer, got \(value.typeName)") }
            return number
        }

        switch name {
        case "strip", "lstrip", "rstrip":
            let chars = try optionalString(try arguments.bind(name, ["chars"], positionalOnly: true)[0], "arg")
            return .string(PythonString.strip(text, characters: chars, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            let slots = try arguments.bind(name, ["sep", "maxsplit"])
            let separator = try optionalString(slots[0], "separator")
            let parts = try PythonString.split(text, separator: separator, maxSplits: try optionalInt(slots[1]) ?? -1, fromEnd: name == "rsplit")
            return .array(parts.map { .string($0) })
        case "splitlines":
            let keepEnds = try arguments.bind(name, ["keepends"])[0]?.isTruthy ?? false
            return .array(PythonString.splitLines(text, keepEnds: keepEnds).map { .string($0) })
        case "startswith", "endswith":
            let slots = try arguments.bind(name, ["prefix", "start", "end"], required: 1, positionalOnly: true)
            let candidates: [String]
            switch slots[0]!.plain {
            case .string(let single): candidates = [single]
            case .array(let items):
                candidates = try items.map { item throws(JinjaError) in try string(item) }
            case let other: throw .runtime("\(name) first arg must be str or a tuple of str, not \(other.typeName)")
            }
            let scalars = Array(text.unicodeScalars)
            let range = PythonString.bounds(count: scalars.count, start: try optionalInt(slots[1]), end: try optionalInt(slots[2]))
            let window = scalars[range]
            return .bool(candidates.contains { candidate in
                let pattern = Array(candidate.unicodeScalars)
                return name == "startswith" ? window.starts(with: pattern) : window.reversed().starts(with: pattern.reversed())
            })
        case "upper": return .string(text.uppercased())
        case "lower", "casefold": return .string(text.lowercased())
        case "title": return .string(PythonString.title(text))
        case "capitalize": return .string(PythonString.capitalize(text))
        case "swapcase": return .string(PythonString.swapCase(text))
        case "replace":
            let slots = try arguments.bind(name, ["old", "new", "count"], required: 2)
            let old = try string(slots[0])
            let new = try string(slots[1])
            let limit = try optionalInt(slots[2]) ?? -1
            let scalarCount = text.unicodeScalars.count
            let occurrences = old.isEmpty ? scalarCount + 1 : scalarCount / max(old.unicodeScalars.count, 1)
            try renderer.charge(bytes: min(occurrences, limit < 0 ? .max : limit).multipliedReportingOverflow(by: new.utf8.count).partialValue)
            return .string(PythonString.replace(text, old, new, count: limit))
        case "find", "rfind", "index", "rindex":
            let slots = try arguments.bind(name, ["sub", "start", "end"], required: 1, positionalOnly: true)
            let position = PythonString.find(
                text, try string(slots[0]), start: try optionalInt(slots[1]), end: try optionalInt(slots[2]),
                fromEnd: name.hasPrefix("r"))
            if position < 0 && name.hasSuffix("index") { throw .runtime("substring not found") }
            return .int(position)
        case "count":
            let slots = try arguments.bind(name, ["sub", "start", "end"], required: 1, positionalOnly: true)
            return .int(PythonString.count(text, try string(slots[0]), start: try optionalInt(slots[1]), end: try optionalInt(slots[2])))
        case "join":
            let items = try renderer.iterate(try arguments.bind(name, ["iterable"], required: 1, positionalOnly: true)[0]!)
            var parts: [String] = []
            for (position, item) in items.enumerated() {
                guard let part = item.stringValue else {
                    throw .runtime("sequence item \(position): expected str instance, \(item.typeName) found")
                }
                parts.append(part)
            }
            return .string(parts.joined(separator: text))
        case "format":
            return .string(try StringFormatter(renderer: renderer).format(text, arguments))
        case "isdigit": return .bool(PythonString.all(text) { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
        case "isdecimal": return .bool(PythonString.all(text) { $0.properties.numericType == .decimal })
        case "isnumeric": return .bool(PythonString.all(text) { $0.properties.numericType != nil })
        case "isalpha": return .bool(PythonString.all(text, \.isPythonLetter))
        case "isalnum": return .bool(PythonString.all(text) { $0.isPythonLetter || $0.properties.numericType != nil })
        case "isspace": return .bool(PythonString.all(text, \.isPythonWhitespace))
        case "isupper": return .bool(PythonString.hasOnlyCase(text, upper: true))
        case "islower": return .bool(PythonString.hasOnlyCase(text, upper: false))
        case "istitle": return .bool(PythonString.isTitle(text))
        case "zfill":
            let width = try optionalInt(try arguments.bind(name, ["width"], required: 1, positionalOnly: true)[0]) ?? 0
            try renderer.charge(bytes: width)
            var scalars = Array(text.unicodeScalars)
            let signed = scalars.first == "+" || scalars.first == "-"
            let fill = max(width - scalars.count, 0)
            scalars.insert(contentsOf: Array(repeating: "0", count: fill), at: signed ? 1 : 0)
            return .string(PythonString.string(scalars))
        case "center", "ljust", "rjust":
            let slots = try arguments.bind(name, ["width", "fillchar"], required: 1, positionalOnly: true)
            let width = try optionalInt(slots[0]) ?? 0
            let fill = try optionalString(slots[1], "fill character") ?? " "
            guard fill.unicodeScalars.count == 1, let fillScalar = fill.unicodeScalars.first else {
                throw .runtime("The fill character must be exactly one character long")
            }
            try renderer.charge(bytes: width)
            let alignment: PythonString.Alignment = name == "center" ? .center : name == "ljust" ? .left : .right
            return .string(PythonString.pad(text, width: width, fill: fillScalar, alignment: alignment))
        case "partition", "rpartition":
            let separator = try string(try arguments.bind(name, ["sep"], required: 1, positionalOnly: true)[0])
            guard !separator.isEmpty else { throw .runtime("empty separator") }
            let position = PythonString.find(text, separator, fromEnd: name == "rpartition")
            guard position >= 0 else {
                return name == "partition" ? [.string(text), "", ""] : ["", "", .string(text)]
            }
            let scalars = Array(text.unicodeScalars)
            let after = position + separator.unicodeScalars.count
            return [.string(PythonString.string(scalars[..<position])), .string(separator), .string(PythonString.string(scalars[after...]))]
        case "removeprefix", "removesuffix":
            let affix = try string(try arguments.bind(name, ["prefix"], required: 1, positionalOnly: true)[0])
            let scalars = Array(text.unicodeScalars)
            let pattern = Array(affix.unicodeScalars)
            if name == "removeprefix" && scalars.starts(with: pattern) {
                return .string(PythonString.string(scalars.dropFirst(pattern.count)))
            }
            if name == "removesuffix" && !pattern.isEmpty && scalars.reversed().starts(with: pattern.reversed()) {
                return .string(PythonString.string(scalars.dropLast(pattern.count)))
            }
            return .string(text)
        default:
            throw .runtime("'str' object has no attribute '\(name)'")
        }
    }
}

extension Unicode.Scalar {
    /// Python's `str.isalpha()` for one character: a letter of any kind.
    var isPythonLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }
}
