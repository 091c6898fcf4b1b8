/// Walks a parsed template and writes its output: one renderer per `render` call, holding the
/// budgets from `RenderLimits`.
final class Renderer {
    let source: SourceText
    let limits: RenderLimits
    private var producedBytes = 0
    private var steps = 0
    private var callDepth = 0
    private var namespaceCount = 0
    /// What may sit on a reference cycle once the render ends: scopes a macro (or a `call` block's
    /// caller) closes over, and namespaces, which a template can store in themselves or hand a macro.
    private var closedOverScopes: [ObjectIdentifier: Scope] = [:]
    private var namespaces: [JinjaNamespace] = []
    /// Namespaces can reference one another; bounding their number bounds such chains.
    static let maximumNamespaces = 1_000
    /// Values built in a template may nest only this deep, so printing, comparing and freeing
    /// them cannot exhaust the stack.
    static let maximumNesting = 64

    /// What a statement asks of the loop around it.
    enum Flow {
        case normal
        case breakLoop
        case continueLoop
    }

    init(source: SourceText, limits: RenderLimits) {
        self.source = source
        self.limits = limits
    }

    // MARK: Budgets

    /// Counts text a render produced against `maxProducedBytes`.
    func charge(bytes: Int) throws(JinjaError) {
        producedBytes += bytes
        if producedBytes > limits.maxProducedBytes {
            throw .limitExceeded("the template produced more than \(limits.maxProducedBytes) bytes of text")
        }
    }

    /// Counts loop iterations, calls and processed elements against `maxSteps`.
    func step(_ count: Int = 1) throws(JinjaError) {
        steps += count
        if steps > limits.maxSteps {
            throw .limitExceeded("the template ran more than \(limits.maxSteps) loop iterations, calls and element visits")
        }
    }

    func makeNamespace(_ attributes: JinjaObject) throws(JinjaError) -> JinjaValue {
        namespaceCount += 1
        if namespaceCount > Self.maximumNamespaces {
            throw .limitExceeded("the template created more than \(Self.maximumNamespaces) namespaces")
        }
        try checkNesting(of: attributes.values)
        let namespace = JinjaNamespace(attributes)
        namespaces.append(namespace)
        return .namespace(namespace)
    }

    /// Empties every scope a macro closed over and every namespace, so that the values of a finished
    /// render are freed: without it, each render of a template that defines a macro leaked the scope
    /// and all it held (LeakSanitizer found it under the template fuzzer).
    func releaseCycles() {
        for scope in closedOverScopes.values { scope.clear() }
        for namespace in namespaces { namespace.attributes = [:] }
        closedOverScopes = [:]
        namespaces = []
    }

    /// Fails if a container built from `elements` would nest deeper than `maximumNesting`.
    func checkNesting(of elements: [JinjaValue]) throws(JinjaError) {
        var frontier = elements
        var level = 1
        while !frontier.isEmpty {
            try step(frontier.count)
            var next: [JinjaValue] = []
            for element in frontier {
                switch element {
                case .array(let items): next.append(contentsOf: items)
                case .object(let object): next.append(contentsOf: object.values)
                default: break
                }
            }
            if !next.isEmpty { level += 1 }
            if level > Self.maximumNesting {
                throw .limitExceeded("the template built a value nested more than \(Self.maximumNesting) levels deep")
            }
            frontier = next
        }
    }

    // MARK: Statements

    func render(_ nodes: [Node], in scope: Scope) throws(JinjaError) -> String {
        var output = ""
        _ = try execute(nodes, in: scope, into: &output)
        return output
    }

    func write(_ text: String, to output: inout String) throws(JinjaError) {
        try charge(bytes: text.utf8.count)
        output += text
    }

    func execute(_ nodes: [Node], in scope: Scope, into output: inout String) throws(JinjaError) -> Flow {
        for node in nodes {
            switch node {
            case .text(let text):
                try write(text, to: &output)
            case .output(let expression):
                try write(try evaluate(expression, in: scope).pythonString, to: &output)
            case .forLoop(let loop):
                try executeLoop(loop, in: scope, into: &output)
            case .conditional(let branches, let otherwise):
                var body = otherwise
                for branch in branches {
                    if try evaluate(branch.condition, in: scope).isTruthy {
                        body = branch.body
                        break
                    }
                }
                let flow = try execute(body, in: scope, into: &output)
                if flow != .normal { return flow }
            case .assign(let target, let expression):
                let value = try evaluate(expression, in: scope)
                try located(at: expression.offset) { () throws(JinjaError) in try assign(value, to: target, in: scope) }
            case .assignBlock(let target, let filters, let body):
                var captured = ""
                let flow = try execute(body, in: scope, into: &captured)
                try assign(try applyFilters(filters, to: .string(captured), in: scope), to: target, in: scope)
                if flow != .normal { return flow }
            case .macro(let definition):
                scope.set(definition.name, makeMacro(definition, closure: scope))
            case .callBlock(let block):
                try write(try executeCallBlock(block, in: scope).pythonString, to: &output)
            case .filterBlock(let filters, let body):
                var captured = ""
                let flow = try execute(body, in: scope, into: &captured)
                try write(try applyFilters(filters, to: .string(captured), in: scope).pythonString, to: &output)
                if flow != .normal { return flow }
            case .with(let assignments, let body):
                let inner = Scope(parent: scope)
                for (target, expression) in assignments {
                    try assign(try evaluate(expression, in: scope), to: target, in: inner)
                }
                let flow = try execute(body, in: inner, into: &output)
                if flow != .normal { return flow }
            case .loopControl(let isBreak):
                return isBreak ? .breakLoop : .continueLoop
            case .group(let body):
                let flow = try execute(body, in: scope, into: &output)
                if flow != .normal { return flow }
            }
        }
        return .normal
    }

    func executeLoop(_ loop: ForLoop, in scope: Scope, into output: inout String) throws(JinjaError) {
        var items = try located(at: loop.iterable.offset) { () throws(JinjaError) in
            try iterate(try evaluate(loop.iterable, in: scope))
        }
        if let condition = loop.condition {
            var kept: [JinjaValue] = []
            for item in items {
                let probe = Scope(parent: scope)
                try assign(item, to: loop.target, in: probe, at: loop.offset)
                if try evaluate(condition, in: probe).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            _ = try execute(loop.otherwise, in: scope, into: &output)
            return
        }
        let state = LoopState(items: items)
        for index in items.indices {
            try step()
            let iteration = Scope(parent: scope)
            try assign(items[index], to: loop.target, in: iteration, at: loop.offset)
            iteration.set("loop", state.loopVariable(at: index))
            if try execute(loop.body, in: iteration, into: &output) == .breakLoop { break }
        }
    }

    func assign(_ value: JinjaValue, to target: AssignTarget, in scope: Scope, at offset: Int? = nil) throws(JinjaError) {
        switch target {
        case .name(let name):
            scope.set(name, value)
        case .tuple(let targets):
            let items = try iterate(value)
            guard items.count == targets.count else {
                let message = items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))"
                throw JinjaError.runtime(message).located(at: source.location(of: offset ?? 0))
            }
            for (item, inner) in zip(items, targets) { try assign(item, to: inner, in: scope, at: offset) }
        case .namespaceAttribute(let name, let attribute):
            guard case .namespace(let namespace) = scope.lookup(name) else {
                throw .runtime("cannot assign attribute '\(attribute)' on '\(name)': it is not a namespace() object")
            }
            namespace.attributes[attribute] = value
        }
    }

    func applyFilters(_ filters: [FilterCall], to value: JinjaValue, in scope: Scope) throws(JinjaError) -> JinjaValue {
        var result = value
        for filter in filters {
            let arguments = try evaluateArguments(filter.arguments, in: scope)
            result = try located(at: filter.offset) { () throws(JinjaError) in
                try Filters.apply(filter.name, to: result, arguments, renderer: self)
            }
        }
        return result
    }

    // MARK: Macros

    func makeMacro(_ definition: MacroDefinition, closure: Scope) -> JinjaValue {
        closedOverScopes[ObjectIdentifier(closure)] = closure
        return .callable(JinjaCallable(name: definition.name, kind: .macro) { arguments, renderer throws(JinjaError) in
            try renderer.callMacro(definition, closure: closure, arguments)
        })
    }

    func callMacro(_ definition: MacroDefinition, closure: Scope, _ arguments: CallArguments) throws(JinjaError) -> JinjaValue {
        callDepth += 1
        defer { callDepth -= 1 }
        guard callDepth <= limits.maxCallDepth else {
            throw .limitExceeded("macro calls nested more than \(limits.maxCallDepth) deep")
        }
        let parameters = definition.parameters
        guard arguments.positional.count <= parameters.count else {
            throw .runtime("macro '\(definition.name)' takes not more than \(parameters.count) argument(s)")
        }
        let scope = Scope(parent: closure)
        var keywords = Dictionary(arguments.keywords.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (index, parameter) in parameters.enumerated() {
            if index < arguments.positional.count {
                if keywords[parameter.name] != nil {
                    throw .runtime("macro '\(definition.name)' got multiple values for argument '\(parameter.name)'")
                }
                scope.set(parameter.name, arguments.positional[index])
            } else if let value = keywords.removeValue(forKey: parameter.name) {
                scope.set(parameter.name, value)
            } else if let defaultValue = parameter.defaultValue {
                // Defaults are evaluated at call time and may use earlier parameters.
                scope.set(parameter.name, try evaluate(defaultValue, in: scope))
            } else {
                scope.set(parameter.name, .undefined)
            }
        }
        if let unexpected = keywords.keys.sorted().first {
            throw .runtime("macro '\(definition.name)' takes no keyword argument '\(unexpected)'")
        }
        if let caller = arguments.caller { scope.set("caller", caller) }
        var output = ""
        _ = try execute(definition.body, in: scope, into: &output)
        return .string(output)
    }

    func executeCallBlock(_ block: CallBlock, in scope: Scope) throws(JinjaError) -> JinjaValue {
        guard case .call(let callee, let argumentExpressions) = block.call.kind else { return .undefined }
        let callerDefinition = MacroDefinition(name: "caller", parameters: block.parameters, body: block.body)
        var arguments = try evaluateArguments(argumentExpressions, in: scope)
        arguments.caller = makeMacro(callerDefinition, closure: scope)
        return try located(at: block.call.offset) { () throws(JinjaError) in
            try call(try evaluate(callee, in: scope), arguments, description: callee.sourceDescription)
        }
    }

    /// Runs `body`, attaching `offset`'s location to a runtime error that has none.
    func located<T>(at offset: Int, _ body: () throws(JinjaError) -> T) throws(JinjaError) -> T {
        do throws(JinjaError) {
            return try body()
        } catch {
            throw error.located(at: source.location(of: offset))
        }
    }
}
