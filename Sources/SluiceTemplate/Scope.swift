/// A frame of variables. `for` iterations, macro calls and `with` blocks get a fresh child scope,
/// so `{% set %}` inside them is not seen outside, matching jinja2 (which is why chat templates use
/// `namespace()` to carry values out of loops); `if` bodies share their parent's scope.
final class Scope {
    private var variables: [String: JinjaValue]
    let parent: Scope?

    init(parent: Scope?, variables: [String: JinjaValue] = [:]) {
        self.parent = parent
        self.variables = variables
    }

    /// The value of `name` in this scope or the nearest enclosing one that has it.
    func lookup(_ name: String) -> JinjaValue? {
        var scope: Scope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    func set(_ name: String, _ value: JinjaValue) {
        variables[name] = value
    }

    /// Drops every variable, which breaks the cycle a macro defined here makes (the scope holds the
    /// macro, the macro's closure holds the scope).
    func clear() {
        variables.removeAll()
    }
}
