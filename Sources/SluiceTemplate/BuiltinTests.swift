/// jinja2's built-in tests (`x is defined`, `x is string`, `n is divisibleby 3`...), from
/// `jinja2/tests.py`. Type tests answer as Python would: booleans are numbers but not integers,
/// and undefined is iterable and a sequence.
enum BuiltinTests {
    static let names: Set<String> = [
        "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false", "true",
        "integer", "float", "lower", "upper", "string", "mapping", "number", "sequence", "iterable", "callable",
        "sameas", "escaped", "in", "eq", "equalto", "ne", "gt", "greaterthan", "ge", "lt", "lessthan", "le",
    ]

    static func apply(_ name: String, to value: JinjaValue, _ arguments: CallArguments, renderer: Renderer) throws(JinjaError) -> Bool {
        func operand() throws(JinjaError) -> JinjaValue {
            try arguments.bind(name, ["other"], required: 1)[0]!
        }
        switch name {
        case "odd", "even":
            _ = try arguments.bind(name, [])
            let remainder = try Arithmetic.binary(.modulo, value, .int(2), renderer: renderer)
            return PythonComparison.equals(remainder, .int(name == "odd" ? 1 : 0))
        case "divisibleby":
            let divisor = try arguments.bind(name, ["num"], required: 1)[0]!
            return PythonComparison.equals(try Arithmetic.binary(.modulo, value, divisor, renderer: renderer), .int(0))
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "filter": return value.stringValue.map { Filters.names.contains($0) } ?? false
        case "test": return value.stringValue.map { names.contains($0) } ?? false
        case "none": return value == .null
        case "boolean", "true", "false":
            guard case .bool(let flag) = value else { return false }
            return name == "boolean" || flag == (name == "true")
        case "integer":
            if case .int = value { return true }
            return false
        case "float":
            if case .double = value { return true }
            return false
        case "number": return Arithmetic.Number(value) != nil
        case "string": return value.stringValue != nil
        case "mapping": return value.objectValue != nil
        case "lower", "upper": return PythonString.hasOnlyCase(value.pythonString, upper: name == "upper")
        case "sequence":
            switch value {
            case .string, .markup, .array, .object, .undefined: return true
            default: return false
            }
        case "iterable":
            switch value {
            case .string, .markup, .array, .object, .undefined, .iterator: return true
            default: return false
            }
        case "callable":
            if case .callable = value { return true }
            return false
        case "sameas":
            let other = try operand()
            switch (value, other) {
            case (.null, .null): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.int(let a), .int(let b)): return a == b
            case (.iterator, .iterator), (.callable, .callable), (.namespace, .namespace): return value == other
            default: return false
            }
        case "escaped":
            if case .markup = value { return true }
            return false
        case "in": return try PythonComparison.contains(try operand(), value)
        case "eq", "equalto": return PythonComparison.equals(value, try operand())
        case "ne": return !PythonComparison.equals(value, try operand())
        case "gt", "greaterthan": return try PythonComparison.compare(.greater, value, try operand())
        case "ge": return try PythonComparison.compare(.greaterOrEqual, value, try operand())
        case "lt", "lessthan": return try PythonComparison.compare(.less, value, try operand())
        case "le": return try PythonComparison.compare(.lessOrEqual, value, try operand())
        default: throw .runtime("No test named '\(name)' found.")
        }
    }
}
