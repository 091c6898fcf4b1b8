import Foundation

/// Python's `str.format`, which jinja2's sandbox allows on strings: `{}`, `{0}`, `{name}`,
/// `{name.attr}`, `{0[key]}`, conversions `!s` and `!r`, and format specs.
struct StringFormatter {
    let renderer: Renderer

    func format(_ template: String, _ arguments: CallArguments) throws(JinjaError) -> String {
        let scalars = Array(template.unicodeScalars)
        var output = ""
        var automaticIndex = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "}" {
                guard index + 1 < scalars.count && scalars[index + 1] == "}" else {
                    throw .runtime("Single '}' encountered in format string")
                }
                output += "}"
                index += 2
                continue
            }
            guard scalar == "{" else {
                output.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            if index + 1 < scalars.count && scalars[index + 1] == "{" {
                output += "{"
                index += 2
                continue
            }
            guard let close = scalars[index...].firstIndex(of: "}") else {
                throw .runtime("Single '{' encountered in format string")
            }
            let field = PythonString.string(scalars[(index + 1)..<close])
            index = close + 1
            output += try replacement(for: field, arguments, automaticIndex: &automaticIndex)
        }
        return output
    }

    private func replacement(for field: String, _ arguments: CallArguments, automaticIndex: inout Int) throws(JinjaError) -> String {
        var reference = field
        var spec = ""
        if let colon = reference.firstIndex(of: ":") {
            spec = String(reference[reference.index(after: colon)...])
            reference = String(reference[..<colon])
        }
        var conversion: Character?
        if let bang = reference.firstIndex(of: "!") {
            conversion = reference[reference.index(after: bang)...].first
            reference = String(reference[..<bang])
        }
        let nameEnd = reference.firstIndex { $0 == "." || $0 == "[" } ?? reference.endIndex
        let head = String(reference[..<nameEnd])
        var value: JinjaValue
        if head.isEmpty {
            guard automaticIndex < arguments.positional.count else { throw .runtime("Replacement index \(automaticIndex) out of range for positional args tuple") }
            value = arguments.positional[automaticIndex]
            automaticIndex += 1
        } else if let position = Int(head) {
            guard position < arguments.positional.count else { throw .runtime("Replacement index \(position) out of range for positional args tuple") }
            value = arguments.positional[position]
        } else {
            guard let found = arguments.keywords.first(where: { $0.name == head }) else { throw .runtime("KeyError: '\(head)'") }
            value = found.value
        }
        var rest = reference[nameEnd...]
        while let first = rest.first {
            if first == "." {
                let end = rest.dropFirst().firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                value = try renderer.attribute(of: value, named: String(rest.dropFirst()[..<end]))
                rest = rest[end...]
            } else {
                guard let close = rest.firstIndex(of: "]") else { throw .runtime("Missing ']' in format string") }
                let key = String(rest.dropFirst()[..<close])
                value = try renderer.item(of: value, key: Int(key).map { .int($0) } ?? .string(key))
                rest = rest[rest.index(after: close)...]
            }
        }
        if conversion == "r" || conversion == "a" { value = .string(value.pythonRepr) } else if conversion == "s" { value = .string(value.pythonString) }
        return try apply(spec: spec, to: value)
    }

    /// Python's format-spec mini-language:
    /// `[[fill]align][sign][#][0][width][,|_][.precision][type]`.
    private func apply(spec: String, to value: JinjaValue) throws(JinjaError) -> String {
        guard !spec.isEmpty else { return value.pythonString }
        var characters = Array(spec)[...]
        var fill: Character = " "
        var alignment: Character?
        if characters.count >= 2 && "<>^=".contains(characters[characters.startIndex + 1]) {
            fill = characters.removeFirst()
            alignment = characters.removeFirst()
        } else if let first = characters.first, "<>^=".contains(first) {
            alignment = characters.removeFirst()
        }
        var sign: Character = "-"
        if let first = characters.first, "+- ".contains(first) { sign = characters.removeFirst() }
        let alternate = characters.first == "#"
        if alternate { characters.removeFirst() }
        if characters.first == "0" && alignment == nil {
            fill = "0"
            alignment = "="
        }
        var widthText = ""
        while let first = characters.first, first.isASCII, first.isNumber { widthText.append(characters.removeFirst()) }
        var grouping: Character?
        if let first = characters.first, first == "," || first == "_" { grouping = characters.removeFirst() }
        var precision: Int?
        if characters.first == "." {
            characters.removeFirst()
            var digits = ""
            while let first = characters.first, first.isASCII, first.isNumber { digits.append(characters.removeFirst()) }
            precision = Int(digits)
        }
        let type = characters.first
        guard characters.count <= 1 else { throw .runtime("Invalid format specifier '\(spec)'") }

        let number = Arithmetic.Number(value)
        var body: String
        var negative = false
        switch (type, number) {
        case (nil, nil), ("s", _):
            guard value.stringValue != nil || number == nil || type == nil else {
                throw .runtime("Unknown format code 's' for object of type '\(value.typeName)'")
            }
            body = value.pythonString
            if let precision { body = PythonString.string(body.unicodeScalars.prefix(precision)) }
        case (nil, .int(let integer)?), ("d", .int(let integer)?), ("n", .int(let integer)?):
            negative = integer < 0
            body = Self.group(String(integer.magnitude), with: grouping)
        case ("x", .int(let integer)?), ("X", .int(let integer)?), ("o", .int(let integer)?), ("b", .int(let integer)?):
            negative = integer < 0
            let radix = type == "o" ? 8 : type == "b" ? 2 : 16
            body = String(integer.magnitude, radix: radix, uppercase: type == "X")
            if alternate { body = (type == "o" ? "0o" : type == "b" ? "0b" : type == "X" ? "0X" : "0x") + body }
        case (let code, let real?) where code == nil || "fFeEgG%".contains(code!):
            let magnitude = abs(real.asDouble)
            negative = real.asDouble.sign == .minus
            if code == nil && precision == nil {
                body = JinjaValue.double(magnitude).pythonString
                if case .int = real { body = String(Int(magnitude)) }
            } else {
                let conversion = code == nil ? "g" : code == "%" ? "f" : String(code!)
                body = String(format: "%.\(precision ?? 6)\(conversion)", code == "%" ? magnitude * 100 : magnitude)
                if code == "%" { body += "%" }
            }
            if grouping != nil {
                let integerEnd = body.firstIndex { !$0.isNumber } ?? body.endIndex
                body = Self.group(String(body[..<integerEnd]), with: grouping) + body[integerEnd...]
            }
        default:
            throw .runtime("Unknown format code '\(type.map(String.init) ?? "")' for object of type '\(value.typeName)'")
        }
        let signText = negative ? "-" : (number != nil && sign != "-" && type != "s" ? String(sign) : "")
        let width = Int(widthText) ?? 0
        let length = signText.unicodeScalars.count + body.unicodeScalars.count
        guard width > length else { return signText + body }
        let margin = width - length
        let padding = { (count: Int) in String(repeating: fill, count: count) }
        switch alignment ?? (number != nil && type != "s" ? ">" : "<") {
        case "<": return signText + body + padding(margin)
        case "^": return padding(margin / 2) + signText + body + padding(margin - margin / 2)
        case "=": return signText + padding(margin) + body
        default: return padding(margin) + signText + body
        }
    }

    /// Inserts `separator` between groups of three digits.
    private static func group(_ digits: String, with separator: Character?) -> String {
        guard let separator else { return digits }
        var result = ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { result.append(separator) }
            result.append(digit)
        }
        return result
    }
}
