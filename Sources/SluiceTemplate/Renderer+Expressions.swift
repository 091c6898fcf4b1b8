/// Expression evaluation with jinja2's semantics for undefined values: an unknown name or a
/// missing attribute evaluates to `.undefined`, which may be printed, tested and iterated, but
/// fails as soon as an expression needs a real value (arithmetic, attribute access, calls).
extension Renderer {
    func evaluate(_ expression: Expression, in scope: Scope) throws(JinjaError) -> JinjaValue {
        do throws(JinjaError) {
            return try evaluateKind(expression, in: scope)
        } catch {
            throw error.located(at: source.location(of: expression.offset))
        }
    }

    /// The value of `expression`, failing as jinja2 does if it is undefined.
    func evaluateDefined(_ expression: Expression, in scope: Scope) throws(JinjaError) -> JinjaValue {
        let value = try evaluate(expression, in: scope)
        if case .undefined = value { throw undefinedError(expression) }
        return value
    }

    func undefinedError(_ expression: Expression) -> JinjaError {
        JinjaError.runtime("'\(expression.sourceDescription)' is undefined")
            .located(at: source.location(of: expression.offset))
    }

    private func evaluateKind(_ expression: Expression, in scope: Scope) throws(JinjaError) -> JinjaValue {
        switch expression.kind {
        case .literal(let value):
            return value
        case .name(let name):
            return scope.lookup(name) ?? .undefined
        case .list(let items), .tuple(let items):
            var values: [JinjaValue] = []
            for item in items { values.append(try evaluate(item, in: scope)) }
            try checkNesting(of: values)
            return .array(values)
        case .dict(let entries):
            var object = JinjaObject()
            for entry in entries {
                let key = try evaluate(entry.key, in: scope)
                guard let name = JinjaObject.PythonKey(key) else {
                    throw .runtime("dictionary keys must be strings or integers, not \(key.typeName)")
                }
                object[name] = try evaluate(entry.value, in: scope)
            }
            try checkNesting(of: object.values)
            return .object(object)
        case .attribute(let base, let name):
            return try attribute(of: try evaluateDefined(base, in: scope), named: name)
        case .item(let base, .index(let key)):
            return try item(of: try evaluateDefined(base, in: scope), key: try evaluate(key, in: scope))
        case .item(let base, .slice(let start, let stop, let stepExpression)):
            let value = try evaluateDefined(base, in: scope)
            return try slice(
                value, start: try start.map { e throws(JinjaError) in try evaluate(e, in: scope) },
                stop: try stop.map { e throws(JinjaError) in try evaluate(e, in: scope) },
                step: try stepExpression.map { e throws(JinjaError) in try evaluate(e, in: scope) })
        case .unary(let op, let operand):
            return try Arithmetic.unary(op, try evaluateDefined(operand, in: scope))
        case .binary(let op, let left, let right):
            let leftValue = try evaluateDefined(left, in: scope)
            let rightValue = try evaluateDefined(right, in: scope)
            return try Arithmetic.binary(op, leftValue, rightValue, renderer: self)
        case .concat(let parts):
            var text = ""
            for part in parts { text += try evaluate(part, in: scope).pythonString }
            try charge(bytes: text.utf8.count)
            return .string(text)
        case .compare(let first, let comparisons):
            var left = try evaluate(first, in: scope)
            var leftExpression = first
            for comparison in comparisons {
                let right = try evaluate(comparison.operand, in: scope)
                if comparison.op != .equal && comparison.op != .notEqual {
                    if case .undefined = left, comparison.op != .contains, comparison.op != .notContains {
                        throw undefinedError(leftExpression)
                    }
                    if case .undefined = right, comparison.op != .contains, comparison.op != .notContains {
                        throw undefinedError(comparison.operand)
                    }
                }
                guard try PythonComparison.compare(comparison.op, left, right) else { return .bool(false) }
                left = right
                leftExpression = comparison.operand
            }
            return .bool(true)
        case .and(let left, let right):
            let value = try evaluate(left, in: scope)
            return value.isTruthy ? try evaluate(right, in: scope) : value
        case .or(let left, let right):
            let value = try evaluate(left, in: scope)
            return value.isTruthy ? value : try evaluate(right, in: scope)
        case .not(let operand):
            return .bool(!(try evaluate(operand, in: scope).isTruthy))
        case .conditional(let test, let then, let otherwise):
            if try evaluate(test, in: scope).isTruthy { return try evaluate(then, in: scope) }
            return try otherwise.map { e throws(JinjaError) in try evaluate(e, in: scope) } ?? .undefined
        case .call(let callee, let argumentExpressions):
            let function = try evaluate(callee, in: scope)
            let arguments = try evaluateArguments(argumentExpressions, in: scope)
            return try call(function, arguments, description: callee.sourceDescription)
        case .filter(let base, let filter):
            let value = try evaluate(base, in: scope)
            let arguments = try evaluateArguments(filter.arguments, in: scope)
            return try Filters.apply(filter.name, to: value, arguments, renderer: self)
        case .test(let base, let test):
            let value = try evaluate(base, in: scope)
            let arguments = try evaluateArguments(test.arguments, in: scope)
            let passed = try BuiltinTests.apply(test.name, to: value, arguments, renderer: self)
            return .bool(passed != test.negated)
        }
    }

    func evaluateArguments(_ arguments: [Argument], in scope: Scope) throws(JinjaError) -> CallArguments {
        var result = CallArguments()
        for argument in arguments {
            let value = try evaluate(argument.value, in: scope)
            if let name = argument.name {
                result.keywords.append((name, value))
            } else {
                result.positional.append(value)
            }
        }
        return result
    }

    /// Calls `callee`; `description` names it in errors ("'foo' is undefined").
    func call(_ callee: JinjaValue, _ arguments: CallArguments, description: String) throws(JinjaError) -> JinjaValue {
        switch callee {
        case .callable(let callable):
            try step()
            return try callable.body(arguments, self)
        case .undefined:
            throw .runtime("'\(description)' is undefined")
        default:
            throw .runtime("'\(callee.typeName)' object is not callable")
        }
    }
}
