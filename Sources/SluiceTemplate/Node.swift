/// A statement in a parsed template.
indirect enum Node: Sendable {
    /// Literal text, written as is.
    case text(String)
    /// `{{ expression }}`
    case output(Expression)
    case forLoop(ForLoop)
    /// `if` / `elif` branches in order, then the `else` body.
    case conditional([Branch], otherwise: [Node])
    /// `{% set target = value %}`
    case assign(AssignTarget, Expression)
    /// `{% set target | filters %}body{% endset %}`: the rendered body, filtered.
    case assignBlock(AssignTarget, filters: [FilterCall], body: [Node])
    case macro(MacroDefinition)
    /// `{% call(parameters) callee(...) %}body{% endcall %}`: the body becomes `caller()`.
    case callBlock(CallBlock)
    /// `{% filter f %}body{% endfilter %}`
    case filterBlock(filters: [FilterCall], body: [Node])
    /// `{% with a = 1 %}body{% endwith %}`: assignments visible only in the body.
    case with([(AssignTarget, Expression)], body: [Node])
    /// `{% break %}` (true) or `{% continue %}` (false).
    case loopControl(isBreak: Bool)
    /// Statements rendered in place, from `{% generation %}` blocks.
    case group([Node])
}

struct Branch: Sendable {
    let condition: Expression
    let body: [Node]
}

struct ForLoop: Sendable {
    let target: AssignTarget
    let iterable: Expression
    /// `for x in xs if condition`: items failing it are skipped before `loop` counts them.
    let condition: Expression?
    let body: [Node]
    /// Rendered when no item passed.
    let otherwise: [Node]
    let offset: Int
}

/// Where `set` and `for` store values.
indirect enum AssignTarget: Sendable {
    case name(String)
    case tuple([AssignTarget])
    /// `ns.attribute`, only valid on `namespace()` objects.
    case namespaceAttribute(String, String)
}

struct MacroDefinition: Sendable {
    let name: String
    let parameters: [MacroParameter]
    let body: [Node]
}

struct MacroParameter: Sendable {
    let name: String
    let defaultValue: Expression?
}

struct CallBlock: Sendable {
    let parameters: [MacroParameter]
    let call: Expression
    let body: [Node]
}
