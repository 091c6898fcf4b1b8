/// Expressions, one function per precedence level, lowest first, as in jinja2's parser:
/// conditional, `or`, `and`, `not`, comparisons, `+ -`, `~`, `* / // %`, `**`, unary, then
/// primaries with their postfix `.attr`, `[key]`, `(args)`, `|filter` and `is test`.
extension Parser {
    /// Expressions separated by commas make a tuple: `{{ a, b }}`, `{% set x = 1, 2 %}`.
    mutating func parseTuple(
        withCondition: Bool = true, endName: String? = nil, explicitParentheses: Bool = false
    ) throws(JinjaError) -> Expression {
        let offset = current.offset
        var items: [Expression] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            let atEnd = [.blockEnd, .variableEnd, .op(")")].contains(current.kind) || (endName.map { isName($0) } ?? false)
            if atEnd { break }
            items.append(try parseExpression(withCondition: withCondition))
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw error("expected an expression, found \(current.displayName)") }
        }
        return Expression(.tuple(items), at: offset)
    }

    mutating func parseExpression(withCondition: Bool = true) throws(JinjaError) -> Expression {
        try enter()
        defer { leave() }
        guard withCondition else { return try parseOr() }
        var expression = try parseOr()
        while skipName("if") {
            let test = try parseOr()
            let otherwise = skipName("else") ? try parseExpression() : nil
            expression = Expression(.conditional(test: test, then: expression, otherwise: otherwise), at: expression.offset)
        }
        return expression
    }

    mutating func parseOr() throws(JinjaError) -> Expression {
        var left = try parseAnd()
        while skipName("or") {
            left = Expression(.or(left, try parseAnd()), at: left.offset)
        }
        return left
    }

    mutating func parseAnd() throws(JinjaError) -> Expression {
        var left = try parseNot()
        while skipName("and") {
            left = Expression(.and(left, try parseNot()), at: left.offset)
        }
        return left
    }

    mutating func parseNot() throws(JinjaError) -> Expression {
        let offset = current.offset
        if skipName("not") {
            try enter()
            defer { leave() }
            return Expression(.not(try parseNot()), at: offset)
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws(JinjaError) -> Expression {
        let left = try parseAdditive()
        var comparisons: [Comparison] = []
        while true {
            let op: Comparison.Operator
            if case .op(let symbol) = current.kind, let comparison = Comparison.Operator(rawValue: symbol) {
                op = comparison
                advance()
            } else if isName("in") {
                op = .contains
                advance()
            } else if isName("not") && isName("in", peek()) {
                op = .notContains
                advance()
                advance()
            } else {
                break
            }
            comparisons.append(Comparison(op: op, operand: try parseAdditive()))
        }
        return comparisons.isEmpty ? left : Expression(.compare(left, comparisons), at: left.offset)
    }

    mutating func parseAdditive() throws(JinjaError) -> Expression {
        var left = try parseConcat()
        while isOp("+") || isOp("-") {
            let op: BinaryOperator = isOp("+") ? .add : .subtract
            advance()
            left = Expression(.binary(op, left, try parseConcat()), at: left.offset)
        }
        return left
    }

    mutating func parseConcat() throws(JinjaError) -> Expression {
        let first = try parseMultiplicative()
        var parts = [first]
        while skipOp("~") {
            parts.append(try parseMultiplicative())
        }
        return parts.count == 1 ? first : Expression(.concat(parts), at: first.offset)
    }

    mutating func parseMultiplicative() throws(JinjaError) -> Expression {
        var left = try parsePower()
        while true {
            let op: BinaryOperator
            if isOp("*") { op = .multiply } else if isOp("/") { op = .divide } else if isOp("//") { op = .floorDivide } else if isOp("%") { op = .modulo } else { break }
            advance()
            left = Expression(.binary(op, left, try parsePower()), at: left.offset)
        }
        return left
    }

    mutating func parsePower() throws(JinjaError) -> Expression {
        var left = try parseUnary()
        while skipOp("**") {
            left = Expression(.binary(.power, left, try parseUnary()), at: left.offset)
        }
        return left
    }

    mutating func parseUnary(withFilters: Bool = true) throws(JinjaError) -> Expression {
        try enter()
        defer { leave() }
        let offset = current.offset
        var expression: Expression
        if skipOp("-") {
            expression = Expression(.unary(.negate, try parseUnary(withFilters: false)), at: offset)
        } else if skipOp("+") {
            expression = Expression(.unary(.plus, try parseUnary(withFilters: false)), at: offset)
        } else {
            expression = try parsePrimary()
        }
        expression = try parsePostfix(expression)
        if withFilters { expression = try parseFilterAndTest(expression) }
        return expression
    }

    mutating func parsePrimary() throws(JinjaError) -> Expression {
        let token = current
        switch token.kind {
        case .name(let name):
            advance()
            switch name {
            case "true", "True": return Expression(.literal(.bool(true)), at: token.offset)
            case "false", "False": return Expression(.literal(.bool(false)), at: token.offset)
            case "none", "None": return Expression(.literal(.null), at: token.offset)
            default: return Expression(.name(name), at: token.offset)
            }
        case .string(let first):
            // Adjacent string literals join, as in Python.
            var text = first
            advance()
            while case .string(let next) = current.kind {
                text += next
                advance()
            }
            return Expression(.literal(.string(text)), at: token.offset)
        case .integer(let value):
            advance()
            return Expression(.literal(.int(value)), at: token.offset)
        case .float(let value):
            advance()
            return Expression(.literal(.double(value)), at: token.offset)
        case .op("("):
            advance()
            let inner = try parseTuple(explicitParentheses: true)
            try expectOp(")")
            return inner
        case .op("["):
            advance()
            var items: [Expression] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            advance()
            return Expression(.list(items), at: token.offset)
        case .op("{"):
            advance()
            var entries: [DictEntry] = []
            while !isOp("}") {
                if !entries.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                entries.append(DictEntry(key: key, value: try parseExpression()))
            }
            advance()
            return Expression(.dict(entries), at: token.offset)
        default:
            throw error("unexpected \(token.displayName)")
        }
    }

    mutating func parsePostfix(_ base: Expression) throws(JinjaError) -> Expression {
        var expression = base
        while true {
            if isOp(".") || isOp("[") {
                expression = try parseSubscript(expression)
            } else if isOp("(") {
                expression = Expression(.call(expression, try parseArguments()), at: expression.offset)
            } else {
                return expression
            }
        }
    }

    /// Filters, tests and calls may follow one another: `x|f is defined`, `macro_result|trim`.
    mutating func parseFilterAndTest(_ base: Expression) throws(JinjaError) -> Expression {
        var expression = base
        while true {
            if isOp("|") {
                for filter in try parseFilterChain() {
                    expression = Expression(.filter(expression, filter), at: expression.offset)
                }
            } else if isName("is") {
                expression = try parseTest(expression)
            } else if isOp("(") {
                expression = Expression(.call(expression, try parseArguments()), at: expression.offset)
            } else {
                return expression
            }
        }
    }

    mutating func parseSubscript(_ base: Expression) throws(JinjaError) -> Expression {
        let offset = current.offset
        if skipOp(".") {
            switch current.kind {
            case .name(let name):
                advance()
                return Expression(.attribute(base, name), at: base.offset)
            case .integer(let value):
                advance()
                return Expression(.item(base, .index(Expression(.literal(.int(value)), at: offset))), at: base.offset)
            default:
                throw error("expected an attribute name or number after '.', found \(current.displayName)")
            }
        }
        try expectOp("[")
        let subscriptValue = try parseSubscribed()
        if isOp(",") { throw error("tuple subscripts like x[a, b] are not supported") }
        try expectOp("]")
        return Expression(.item(base, subscriptValue), at: base.offset)
    }

    /// `key`, or a slice `start:stop:step` with any part left out.
    mutating func parseSubscribed() throws(JinjaError) -> Subscript {
        var start: Expression?
        if !isOp(":") {
            let key = try parseExpression()
            guard isOp(":") else { return .index(key) }
            start = key
        }
        advance()
        var stop: Expression?
        if !isOp(":") && !isOp("]") && !isOp(",") { stop = try parseExpression() }
        var step: Expression?
        if skipOp(":") && !isOp("]") && !isOp(",") { step = try parseExpression() }
        return .slice(start: start, stop: stop, step: step)
    }

    /// `(positional..., name=value...)`
    mutating func parseArguments() throws(JinjaError) -> [Argument] {
        let offset = current.offset
        try expectOp("(")
        var arguments: [Argument] = []
        while !isOp(")") {
            if !arguments.isEmpty {
                try expectOp(",")
                if isOp(")") { break }
            }
            if isOp("*") || isOp("**") { throw error("*args and **kwargs in calls are not supported") }
            if case .name(let name) = current.kind, peek().kind == .op("=") {
                advance()
                advance()
                arguments.append(Argument(name: name, value: try parseExpression()))
            } else {
                if arguments.contains(where: { $0.name != nil }) {
                    throw error("positional argument follows keyword argument", at: offset)
                }
                arguments.append(Argument(name: nil, value: try parseExpression()))
            }
        }
        advance()
        return arguments
    }

    /// `| name(args) | name ...`; the first pipe is already current unless `startsWithPipe` is false.
    mutating func parseFilterChain(startsWithPipe: Bool = true) throws(JinjaError) -> [FilterCall] {
        var filters: [FilterCall] = []
        var needsPipe = startsWithPipe
        while !needsPipe || isOp("|") {
            if needsPipe { advance() }
            needsPipe = true
            let offset = current.offset
            let name = try expectName()
            let arguments = isOp("(") ? try parseArguments() : []
            filters.append(FilterCall(name: name, arguments: arguments, offset: offset))
        }
        return filters
    }

    mutating func parseTest(_ base: Expression) throws(JinjaError) -> Expression {
        advance()
        let negated = skipName("not")
        let offset = current.offset
        let name = try expectName()
        var arguments: [Argument] = []
        if isOp("(") {
            arguments = try parseArguments()
        } else if startsBareTestArgument {
            if isName("is") { throw error("tests cannot be chained with 'is'") }
            arguments = [Argument(name: nil, value: try parsePostfix(try parsePrimary()))]
        }
        return Expression(.test(base, TestCall(name: name, arguments: arguments, negated: negated, offset: offset)), at: base.offset)
    }

    /// Whether a test is followed by one argument without parentheses, as in `x is divisibleby 3`.
    var startsBareTestArgument: Bool {
        switch current.kind {
        case .name(let name): !["else", "or", "and"].contains(name)
        case .string, .integer, .float, .op("("), .op("["), .op("{"): true
        default: false
        }
    }
}
