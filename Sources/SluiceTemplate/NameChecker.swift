/// Rejects unknown filter and test names when a template is parsed, with jinja2's exception:
/// inside an `if` (its test and bodies) or a conditional expression the check waits until the
/// filter actually runs, so a template may guard a filter its environment lacks. Loops, macros
/// and other blocks nested there are checked strictly again, as jinja2's compiler does.
struct NameChecker {
    let source: SourceText

    func check(_ nodes: [Node], soft: Bool) throws(JinjaError) {
        for node in nodes { try check(node, soft: soft) }
    }

    private func check(_ node: Node, soft: Bool) throws(JinjaError) {
        switch node {
        case .text, .loopControl:
            break
        case .output(let expression), .assign(_, let expression):
            try check(expression, soft: soft)
        case .forLoop(let loop):
            try check(loop.iterable, soft: soft)
            try loop.condition.map { expression throws(JinjaError) in try check(expression, soft: false) }
            try check(loop.body, soft: false)
            try check(loop.otherwise, soft: false)
        case .conditional(let branches, let otherwise):
            for branch in branches {
                try check(branch.condition, soft: true)
                try check(branch.body, soft: true)
            }
            try check(otherwise, soft: true)
        case .assignBlock(_, let filters, let body):
            try check(filters, soft: soft)
            try check(body, soft: false)
        case .macro(let definition):
            for parameter in definition.parameters {
                try parameter.defaultValue.map { expression throws(JinjaError) in try check(expression, soft: false) }
            }
            try check(definition.body, soft: false)
        case .callBlock(let block):
            try check(block.call, soft: soft)
            try check(block.body, soft: false)
        case .filterBlock(let filters, let body):
            try check(filters, soft: soft)
            try check(body, soft: false)
        case .with(let assignments, let body):
            for (_, expression) in assignments { try check(expression, soft: soft) }
            try check(body, soft: false)
        case .group(let body):
            try check(body, soft: false)
        }
    }

    private func check(_ filters: [FilterCall], soft: Bool) throws(JinjaError) {
        for filter in filters {
            if !soft && !Filters.names.contains(filter.name) {
                throw .syntax("no filter named '\(filter.name)'", at: source.location(of: filter.offset))
            }
            for argument in filter.arguments { try check(argument.value, soft: soft) }
        }
    }

    private func check(_ expression: Expression, soft: Bool) throws(JinjaError) {
        switch expression.kind {
        case .literal, .name:
            break
        case .list(let items), .tuple(let items), .concat(let items):
            for item in items { try check(item, soft: soft) }
        case .dict(let entries):
            for entry in entries {
                try check(entry.key, soft: soft)
                try check(entry.value, soft: soft)
            }
        case .attribute(let base, _), .unary(_, let base), .not(let base):
            try check(base, soft: soft)
        case .item(let base, .index(let key)):
            try check(base, soft: soft)
            try check(key, soft: soft)
        case .item(let base, .slice(let start, let stop, let step)):
            try check(base, soft: soft)
            for part in [start, stop, step].compactMap({ $0 }) { try check(part, soft: soft) }
        case .binary(_, let left, let right), .and(let left, let right), .or(let left, let right):
            try check(left, soft: soft)
            try check(right, soft: soft)
        case .compare(let first, let comparisons):
            try check(first, soft: soft)
            for comparison in comparisons { try check(comparison.operand, soft: soft) }
        case .conditional(let test, let then, let otherwise):
            try check(test, soft: true)
            try check(then, soft: true)
            try otherwise.map { expression throws(JinjaError) in try check(expression, soft: true) }
        case .call(let callee, let arguments):
            try check(callee, soft: soft)
            for argument in arguments { try check(argument.value, soft: soft) }
        case .filter(let base, let filter):
            try check(base, soft: soft)
            try check([filter], soft: soft)
        case .test(let base, let test):
            try check(base, soft: soft)
            if !soft && !BuiltinTests.names.contains(test.name) {
                throw .syntax("no test named '\(test.name)'", at: source.location(of: test.offset))
            }
            for argument in test.arguments { try check(argument.value, soft: soft) }
        }
    }
}
