import Foundation

/// Python's printf-style `str % values`, behind both the `%` operator on strings and the `format`
/// filter: `%s`, `%r`, `%d`, `%i`, `%x`, `%o`, `%f`, `%e`, `%g`, `%c` and `%%`, with flags, width,
/// precision and `%(name)s` keys.
enum PythonFormat {
    /// Formats `format` with `values`: a list supplies positional values, a dict supplies named
    /// ones, and anything else is the single value.
    static func format(_ format: String, _ values: JinjaValue) throws(JinjaError) -> String {
        let positional: [JinjaValue]
        var mapping: JinjaObject?
        switch values {
        case .array(let items): positional = items
        case .object(let object):
            positional = [values]
            mapping = object
        default: positional = [values]
        }
        var next = 0
        func take() throws(JinjaError) -> JinjaValue {
            guard next < positional.count else { throw .runtime("not enough arguments for format string") }
            defer { next += 1 }
            return positional[next]
        }

        let scalars = Array(format.unicodeScalars)
        var output = ""
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard scalar == "%" else {
                output.unicodeScalars.append(scalar)
                continue
            }
            var key: String?
            if index < scalars.count && scalars[index] == "(" {
                guard let close = scalars[index...].firstIndex(of: ")") else { throw .runtime("incomplete format key") }
                key = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
                index = close + 1
            }
            var flags = ""
            while index < scalars.count, "-+ #0".unicodeScalars.contains(scalars[index]) {
                flags.unicodeScalars.append(scalars[index])
                index += 1
            }
            var width = ""
            if index < scalars.count && scalars[index] == "*" {
                width = String(try integerArgument(try take(), "*"))
                index += 1
            }
            while index < scalars.count && scalars[index].isASCIIDigit {
                width.unicodeScalars.append(scalars[index])
                index += 1
            }
            var precision: String?
            if index < scalars.count && scalars[index] == "." {
                index += 1
                var digits = ""
                while index < scalars.count && scalars[index].isASCIIDigit {
                    digits.unicodeScalars.append(scalars[index])
                    index += 1
                }
                precision = digits.isEmpty ? "0" : digits
            }
            while index < scalars.count, "hlL".unicodeScalars.contains(scalars[index]) { index += 1 }
            guard index < scalars.count else { throw .runtime("incomplete format") }
            let conversion = scalars[index]
            index += 1
            if conversion == "%" {
                output += "%"
                continue
            }
            let value: JinjaValue
            if let key {
                guard let mapping else { throw .runtime("format requires a mapping") }
                guard let found = mapping[key] else { throw .runtime("format key '\(key)' not found") }
                value = found
            } else {
                value = try take()
            }
            output += try convert(value, conversion, flags: flags, width: width, precision: precision)
        }
        if mapping == nil && next < positional.count {
            throw .runtime("not all arguments converted during string formatting")
        }
        return output
    }

    static func integerArgument(_ value: JinjaValue, _ conversion: String) throws(JinjaError) -> Int {
        switch value {
        case .int(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        default: throw .runtime("%\(conversion) format: an integer is required, not \(value.typeName)")
        }
    }

    static func convert(
        _ value: JinjaValue, _ conversion: Unicode.Scalar, flags: String, width: String, precision: String?
    ) throws(JinjaError) -> String {
        let precisionPart = precision.map { "." + $0 } ?? ""
        switch conversion {
        case "s", "r", "a":
            var text = conversion == "s" ? value.pythonString : value.pythonRepr
            if let precision, let limit = Int(precision) {
                text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit)))
            }
            return pad(text, flags: flags, width: width)
        case "d", "i", "u":
            let number: Int
            switch Arithmetic.Number(value) {
            case .int(let integer): number = integer
            case .double(let real):
                guard real.isFinite else { throw .runtime("cannot convert float \(real) to integer") }
                number = Int(real)
            case nil: throw .runtime("%\(conversion) format: a real number is required, not \(value.typeName)")
            }
            return String(format: "%\(flags)\(width)\(precisionPart)ld", number)
        case "x", "X", "o":
            let number = try integerArgument(value, String(conversion))
            if conversion == "o" {
                let digits = (number < 0 ? "-" : "") + (flags.contains("#") ? "0o" : "") + String(number.magnitude, radix: 8)
                return pad(digits, flags: flags, width: width)
            }
            return String(format: "%\(flags)\(width)\(precisionPart)l\(conversion)", number)
        case "f", "F", "e", "E", "g", "G":
            guard let number = Arithmetic.Number(value)?.asDouble else {
                throw .runtime("must be real number, not \(value.typeName)")
            }
            return String(format: "%\(flags)\(width)\(precisionPart)\(conversion)", number)
        case "c":
            if let text = value.stringValue, text.unicodeScalars.count == 1 { return pad(text, flags: flags, width: width) }
            guard let code = value.pythonIndex, let scalar = Unicode.Scalar(UInt32(clamping: code)) else {
                throw .runtime("%c requires an int or a single character")
            }
            return pad(String(scalar), flags: flags, width: width)
        default:
            throw .runtime("unsupported format character '\(conversion)'")
        }
    }

    static func pad(_ text: String, flags: String, width: String) -> String {
        let length = text.unicodeScalars.count
        guard let target = Int(width), target > length else { return text }
        let padding = String(repeating: " ", count: target - length)
        return flags.contains("-") ? text + padding : padding + text
    }
}
