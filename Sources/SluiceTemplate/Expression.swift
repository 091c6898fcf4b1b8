/// An expression in a template, with the offset where it starts for error locations.
///
/// The node kinds and their precedence follow jinja2's parser (`jinja2/nodes.py`), which differs
/// from Python in places templates depend on: filters bind tighter than unary minus's operand
/// (`-x|abs` is `(-x)|abs`), `~` sits between `+` and `*`, and `**` is left-associative.
struct Expression: Sendable {
    indirect enum Kind: Sendable {
        case literal(JinjaValue)
        case name(String)
        case list([Expression])
        case tuple([Expression])
        case dict([DictEntry])
        /// `value.name`
        case attribute(Expression, String)
        /// `value[key]` or `value[start:stop:step]`
        case item(Expression, Subscript)
        case unary(UnaryOperator, Expression)
        case binary(BinaryOperator, Expression, Expression)
        /// `a ~ b ~ c`: everything converted to strings and joined.
        case concat([Expression])
        /// `a < b <= c`: Python's chained comparison.
        case compare(Expression, [Comparison])
        case and(Expression, Expression)
        case or(Expression, Expression)
        case not(Expression)
        /// `then if test else otherwise`; without `else` the result is undefined.
        case conditional(test: Expression, then: Expression, otherwise: Expression?)
        case call(Expression, [Argument])
        case filter(Expression, FilterCall)
        case test(Expression, TestCall)
    }

    let kind: Kind
    let offset: Int

    init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// A short rendering of the expression for error messages, such as `message.tool_calls`.
    var sourceDescription: String {
        switch kind {
        case .name(let name): name
        case .attribute(let base, let name): "\(base.sourceDescription).\(name)"
        case .item(let base, .index(let key)):
            if case .literal(let value) = key.kind { "\(base.sourceDescription)[\(value.pythonRepr)]" } else { "\(base.sourceDescription)[...]" }
        case .call(let callee, _): "\(callee.sourceDescription)()"
        case .literal(let value): value.pythonRepr
        default: "value"
        }
    }
}

struct DictEntry: Sendable {
    let key: Expression
    let value: Expression
}

enum Subscript: Sendable {
    case index(Expression)
    case slice(start: Expression?, stop: Expression?, step: Expression?)
}

enum UnaryOperator: Sendable {
    case negate
    case plus
}

enum BinaryOperator: String, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case floorDivide = "//"
    case modulo = "%"
    case power = "**"
}

struct Comparison: Sendable {
    enum Operator: String, Sendable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case contains = "in"
        case notContains = "not in"
    }

    let op: Operator
    let operand: Expression
}

/// An argument in a call, filter or test: positional when `name` is nil.
struct Argument: Sendable {
    let name: String?
    let value: Expression
}

/// `| name(arguments)`
struct FilterCall: Sendable {
    let name: String
    let arguments: [Argument]
    let offset: Int
}

/// `is [not] name(arguments)`
struct TestCall: Sendable {
    let name: String
    let arguments: [Argument]
    let negated: Bool
    let offset: Int
}
