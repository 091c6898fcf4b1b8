import Foundation

/// Python's arithmetic operators as jinja2 applies them: `bool` counts as an int, `/` always gives
/// a float, `//` and `%` round toward negative infinity, `+` concatenates strings and lists, `*`
/// repeats them, and `%` on a string formats it printf-style.
enum Arithmetic {
    /// A number as Python sees it in arithmetic.
    enum Number {
        case int(Int)
        case double(Double)

        init?(_ value: JinjaValue) {
            switch value {
            case .int(let number): self = .int(number)
            case .bool(let flag): self = .int(flag ? 1 : 0)
            case .double(let number): self = .double(number)
            default: return nil
            }
        }

        var asDouble: Double {
            switch self {
            case .int(let number): Double(number)
            case .double(let number): number
            }
        }
    }

    static func unary(_ op: UnaryOperator, _ value: JinjaValue) throws(JinjaError) -> JinjaValue {
        switch (op, Number(value)) {
        case (.negate, .int(let number)):
            guard number != .min else { throw .runtime("integer overflow in -\(number)") }
            return .int(-number)
        case (.negate, .double(let number)): return .double(-number)
        case (.plus, .int(let number)): return .int(number)
        case (.plus, .double(let number)): return .double(number)
        case (_, nil): throw .runtime("bad operand type for unary \(op == .negate ? "-" : "+"): '\(value.typeName)'")
        }
    }

    static func binary(_ op: BinaryOperator, _ left: JinjaValue, _ right: JinjaValue, renderer: Renderer) throws(JinjaError) -> JinjaValue {
        if let a = Number(left), let b = Number(right) { return try numeric(op, a, b) }
        if case .markup = left, let result = try markup(op, left, right, renderer: renderer) { return result }
        if case .markup = right, let result = try markup(op, left, right, renderer: renderer) { return result }
        switch (op, left, right) {
        case (.add, .string(let a), .string(let b)):
            try renderer.charge(bytes: a.utf8.count + b.utf8.count)
            return .string(a + b)
        case (.add, .string, _):
            throw .runtime("can only concatenate str (not \"\(right.typeName)\") to str")
        case (.add, .array(let a), .array(let b)):
            try renderer.step(a.count + b.count)
            return .array(a + b)
        case (.add, .array, _):
            throw .runtime("can only concatenate list (not \"\(right.typeName)\") to list")
        case (.multiply, .string(let text), _), (.multiply, _, .string(let text)):
            guard let count = (left.stringValue == nil ? left : right).pythonIndex else { break }
            let times = max(count, 0)
            try renderer.charge(bytes: text.utf8.count.multipliedReportingOverflow(by: times).overflow ? .max : text.utf8.count * times)
            return .string(String(repeating: text, count: times))
        case (.multiply, .array(let items), _), (.multiply, _, .array(let items)):
            guard let count = (left.arrayValue == nil ? left : right).pythonIndex else { break }
            let times = max(count, 0)
            try renderer.step(items.count.multipliedReportingOverflow(by: times).overflow ? .max : items.count * times)
            return .array(Array([[JinjaValue]](repeating: items, count: times).joined()))
        case (.modulo, .string(let format), _):
            let result = try PythonFormat.format(format, right)
            try renderer.charge(bytes: result.utf8.count)
            return .string(result)
        default:
            break
        }
        throw .runtime("unsupported operand type(s) for \(op.rawValue): '\(left.typeName)' and '\(right.typeName)'")
    }

    /// Operators on `Markup` (safe strings), as markupsafe defines them: the plain string on the
    /// other side of `+`, and the values formatted by `%`, are HTML-escaped first.
    static func markup(_ op: BinaryOperator, _ left: JinjaValue, _ right: JinjaValue, renderer: Renderer) throws(JinjaError) -> JinjaValue? {
        func escaped(_ value: JinjaValue) -> JinjaValue {
            if case .string(let text) = value { return .markup(Filters.escapeHTML(text)) }
            return value
        }
        switch (op, left, right) {
        case (.add, _, _):
            guard let a = escaped(left).stringValue, let b = escaped(right).stringValue else { return nil }
            try renderer.charge(bytes: a.utf8.count + b.utf8.count)
            return .markup(a + b)
        case (.multiply, .markup(let text), _), (.multiply, _, .markup(let text)):
            guard case .string(let repeated) = try binary(.multiply, .string(text), left.stringValue == nil ? left : right, renderer: renderer) else { return nil }
            return .markup(repeated)
        case (.modulo, .markup(let format), _):
            let arguments: JinjaValue
            switch right {
            case .array(let items): arguments = .array(items.map(escaped))
            case .object(let object): arguments = .object(JinjaObject(object.map { ($0.key, escaped($0.value)) }))
            default: arguments = escaped(right)
            }
            return .markup(try PythonFormat.format(format, arguments))
        default:
            return nil
        }
    }

    static func numeric(_ op: BinaryOperator, _ left: Number, _ right: Number) throws(JinjaError) -> JinjaValue {
        if case .int(let a) = left, case .int(let b) = right {
            return try integer(op, a, b)
        }
        let a = left.asDouble
        let b = right.asDouble
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            guard b != 0 else { throw .runtime("float division by zero") }
            return .double(a / b)
        case .floorDivide:
            guard b != 0 else { throw .runtime("float floor division by zero") }
            return .double(floorModulo(a, b).quotient)
        case .modulo:
            guard b != 0 else { throw .runtime("float modulo by zero") }
            return .double(floorModulo(a, b).remainder)
        case .power:
            if a == 0 && b < 0 { throw .runtime("zero to a negative power") }
            return .double(Foundation.pow(a, b))
        }
    }

    static func integer(_ op: BinaryOperator, _ a: Int, _ b: Int) throws(JinjaError) -> JinjaValue {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws(JinjaError) -> JinjaValue {
            guard !result.overflow else { throw .runtime("integer overflow: the result of \(a) \(op.rawValue) \(b) does not fit in 64 bits") }
            return .int(result.partialValue)
        }
        switch op {
        case .add: return try checked(a.addingReportingOverflow(b))
        case .subtract: return try checked(a.subtractingReportingOverflow(b))
        case .multiply: return try checked(a.multipliedReportingOverflow(by: b))
        case .divide:
            guard b != 0 else { throw .runtime("division by zero") }
            return .double(Double(a) / Double(b))
        case .floorDivide, .modulo:
            guard b != 0 else { throw .runtime("integer division or modulo by zero") }
            guard !(a == .min && b == -1) else { throw .runtime("integer overflow in \(a) \(op.rawValue) \(b)") }
            var quotient = a / b
            var remainder = a % b
            if remainder != 0 && (remainder < 0) != (b < 0) {
                quotient -= 1
                remainder += b
            }
            return .int(op == .floorDivide ? quotient : remainder)
        case .power:
            if b < 0 {
                if a == 0 { throw .runtime("zero to a negative power") }
                return .double(Foundation.pow(Double(a), Double(b)))
            }
            var result = 1
            var base = a
            var exponent = b
            while exponent > 0 {
                if exponent & 1 == 1 {
                    let product = result.multipliedReportingOverflow(by: base)
                    if product.overflow { throw .runtime("integer overflow: \(a) ** \(b) does not fit in 64 bits") }
                    result = product.partialValue
                }
                exponent >>= 1
                if exponent > 0 {
                    let square = base.multipliedReportingOverflow(by: base)
                    if square.overflow { throw .runtime("integer overflow: \(a) ** \(b) does not fit in 64 bits") }
                    base = square.partialValue
                }
            }
            return .int(result)
        }
    }

    /// Python's float `divmod`: the remainder takes the divisor's sign.
    static func floorModulo(_ a: Double, _ b: Double) -> (quotient: Double, remainder: Double) {
        var remainder = fmod(a, b)
        var quotient = (a - remainder) / b
        if remainder != 0 {
            if (b < 0) != (remainder < 0) {
                remainder += b
                quotient -= 1
            }
        } else {
            remainder = b < 0 ? -0.0 : 0.0
        }
        var floored = quotient.rounded(.down)
        if quotient - floored > 0.5 { floored += 1 }
        if quotient == 0 { floored = (a / b).sign == .minus ? -0.0 : 0.0 }
        return (floored, remainder)
    }
}
