/// The tokens inside `{{ }}` and `{% %}`: names, numbers, strings and operators, read with the
/// same rules as jinja2's regular expressions (Python literal syntax).
extension Lexer {
    /// Operators longest first, so `//` wins over `/`.
    static let operators: [String] = [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ]

    mutating func readExpressionToken() throws(JinjaError) {
        let start = position
        let scalar = scalars[start]
        if scalar.isASCIIDigit {
            try readNumber()
        } else if scalar == "_" || scalar.properties.isAlphabetic {
            var end = start + 1
            while end < scalars.count && scalars[end].isIdentifierContinuation { end += 1 }
            tokens.append(Token(kind: .name(source.text(start..<end)), offset: start))
            position = end
        } else if scalar == "'" || scalar == "\"" {
            try readString()
        } else if let op = Self.operators.first(where: { matches($0, at: start) }) {
            try balance(op, at: start)
            tokens.append(Token(kind: .op(op), offset: start))
            position = start + op.unicodeScalars.count
        } else {
            throw syntaxError("unexpected character '\(scalar)'", at: start)
        }
    }

    /// Keeps bracket balance, so the tag only ends once every bracket is closed.
    mutating func balance(_ op: String, at offset: Int) throws(JinjaError) {
        switch op {
        case "(": brackets.append(")")
        case "[": brackets.append("]")
        case "{": brackets.append("}")
        case ")", "]", "}":
            guard let expected = brackets.popLast() else { throw syntaxError("unexpected '\(op)'", at: offset) }
            if String(expected) != op { throw syntaxError("unexpected '\(op)', expected '\(expected)'", at: offset) }
        default: break
        }
    }

    /// The end of a run of digits with single underscores between them (`1_000`), or nil.
    func digitRun(from offset: Int, isDigit: (Unicode.Scalar) -> Bool = \.isASCIIDigit) -> Int? {
        guard offset < scalars.count, isDigit(scalars[offset]) else { return nil }
        var index = offset + 1
        while index < scalars.count {
            if isDigit(scalars[index]) {
                index += 1
            } else if scalars[index] == "_" && index + 1 < scalars.count && isDigit(scalars[index + 1]) {
                index += 2
            } else {
                break
            }
        }
        return index
    }

    mutating func readNumber() throws(JinjaError) {
        let start = position
        let integerEnd = digitRun(from: start)!
        // A float needs a fraction or an exponent, and must not follow a dot (`a.0.1` is two items).
        let followsDot = start > 0 && scalars[start - 1] == "."
        var end = integerEnd
        var isFloat = false
        if !followsDot {
            if end < scalars.count && scalars[end] == ".", let fractionEnd = digitRun(from: end + 1) {
                end = fractionEnd
                isFloat = true
            }
            if end < scalars.count && (scalars[end] == "e" || scalars[end] == "E") {
                var exponentStart = end + 1
                if exponentStart < scalars.count && (scalars[exponentStart] == "+" || scalars[exponentStart] == "-") {
                    exponentStart += 1
                }
                if let exponentEnd = digitRun(from: exponentStart) {
                    end = exponentEnd
                    isFloat = true
                }
            }
        }
        if isFloat {
            let text = source.text(start..<end).replacingOccurrences(of: "_", with: "")
            tokens.append(Token(kind: .float(Double(text) ?? .infinity), offset: start))
            position = end
            return
        }
        try readInteger()
    }

    mutating func readInteger() throws(JinjaError) {
        let start = position
        var radix = 10
        var digitsStart = start
        var end: Int
        if scalars[start] == "0", start + 1 < scalars.count,
            let prefixRadix = ["b": 2, "o": 8, "x": 16][Character(scalars[start + 1]).lowercased()]
        {
            radix = prefixRadix
            digitsStart = start + 2
            // The digits may start with an underscore after the prefix (`0x_ff`).
            let firstDigit = digitsStart < scalars.count && scalars[digitsStart] == "_" ? digitsStart + 1 : digitsStart
            guard let digitsEnd = digitRun(from: firstDigit, isDigit: { $0.isDigit(radix: radix) }) else {
                throw syntaxError("invalid integer literal", at: start)
            }
            end = digitsEnd
        } else if scalars[start] == "0" {
            // Python forbids leading zeros: `007` lexes as `0` followed by `07`.
            end = digitRun(from: start, isDigit: { $0 == "0" })!
        } else {
            end = digitRun(from: start)!
        }
        let digits = source.text(digitsStart..<end).replacingOccurrences(of: "_", with: "")
        guard let value = Int(digits, radix: radix) else {
            throw syntaxError("integer literal \(source.text(start..<end)) does not fit in 64 bits", at: start)
        }
        tokens.append(Token(kind: .integer(value), offset: start))
        position = end
    }

    mutating func readString() throws(JinjaError) {
        let start = position
        let quote = scalars[start]
        var index = start + 1
        while index < scalars.count && scalars[index] != quote {
            index += scalars[index] == "\\" ? 2 : 1
        }
        guard index < scalars.count else { throw syntaxError("string literal is never closed", at: start) }
        let value = try decodeEscapes(start + 1..<index)
        tokens.append(Token(kind: .string(value), offset: start))
        position = index + 1
    }

    /// Decodes backslash escapes as Python's `unicode-escape` codec does, which is what jinja2
    /// applies to string literals: unknown escapes such as `\d` stay as written.
    func decodeEscapes(_ range: Range<Int>) throws(JinjaError) -> String {
        var result = String.UnicodeScalarView()
        var index = range.lowerBound
        while index < range.upperBound {
            let scalar = scalars[index]
            guard scalar == "\\", index + 1 < range.upperBound else {
                result.append(scalar)
                index += 1
                continue
            }
            let escape = scalars[index + 1]
            index += 2
            switch escape {
            case "\n": break
            case "\\", "'", "\"": result.append(escape)
            case "a": result.append("\u{07}")
            case "b": result.append("\u{08}")
            case "f": result.append("\u{0C}")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "t": result.append("\t")
            case "v": result.append("\u{0B}")
            case "0"..."7":
                var value = Int(escape.value - 0x30)
                var count = 1
                while count < 3 && index < range.upperBound && ("0"..."7").contains(scalars[index]) {
                    value = value * 8 + Int(scalars[index].value - 0x30)
                    index += 1
                    count += 1
                }
                result.append(Unicode.Scalar(UInt32(value))!)
            case "x", "u", "U":
                let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                guard index + width <= range.upperBound,
                    let value = UInt32(source.text(index..<index + width), radix: 16),
                    let decoded = Unicode.Scalar(value)
                else {
                    throw syntaxError("invalid \\\(escape) escape in string literal", at: index - 2)
                }
                result.append(decoded)
                index += width
            default:
                result.append("\\")
                result.append(escape)
            }
        }
        return String(result)
    }
}

extension Unicode.Scalar {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }

    /// A letter, digit, underscore or combining mark, as Python's `\w` allows inside identifiers.
    var isIdentifierContinuation: Bool {
        if self == "_" || properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark, .connectorPunctuation: return true
        default: return false
        }
    }

    func isDigit(radix: Int) -> Bool {
        guard let value = Character(self).hexDigitValue else { return false }
        return value < radix
    }
}
