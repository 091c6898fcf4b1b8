/// Builds the statement tree from tokens: a recursive-descent parser shaped like jinja2's, with
/// errors that name the line and column where parsing stopped.
struct Parser {
    let tokens: [Token]
    let source: SourceText
    var index = 0
    /// How many `for` bodies enclose the current statement (macros reset it), for `break` checks.
    var loopDepth = 0
    /// Nesting of statements and sub-expressions, bounded so a hostile template cannot exhaust the stack.
    var depth = 0
    static let maximumDepth = 200

    init(tokens: [Token], source: SourceText) {
        self.tokens = tokens
        self.source = source
    }

    static func parse(_ source: SourceText) throws(JinjaError) -> [Node] {
        var parser = Parser(tokens: try Lexer.tokenize(source), source: source)
        let (nodes, _) = try parser.parseNodes(until: [], opener: nil)
        try NameChecker(source: source).check(nodes, soft: false)
        return nodes
    }

    // MARK: Token helpers

    var current: Token { tokens[index] }

    func peek(_ distance: Int = 1) -> Token {
        tokens[min(index + distance, tokens.count - 1)]
    }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    func isName(_ name: String, _ token: Token? = nil) -> Bool {
        (token ?? current).kind == .name(name)
    }

    func isOp(_ op: String) -> Bool {
        current.kind == .op(op)
    }

    mutating func skipName(_ name: String) -> Bool {
        guard isName(name) else { return false }
        advance()
        return true
    }

    mutating func skipOp(_ op: String) -> Bool {
        guard isOp(op) else { return false }
        advance()
        return true
    }

    mutating func expectOp(_ op: String) throws(JinjaError) {
        guard skipOp(op) else { throw error("expected '\(op)', found \(current.displayName)") }
    }

    mutating func expectName() throws(JinjaError) -> String {
        guard case .name(let name) = current.kind else { throw error("expected a name, found \(current.displayName)") }
        advance()
        return name
    }

    mutating func expectBlockEnd() throws(JinjaError) {
        guard current.kind == .blockEnd else { throw error("expected '%}', found \(current.displayName)") }
        advance()
    }

    func error(_ message: String, at offset: Int? = nil) -> JinjaError {
        .syntax(message, at: source.location(of: offset ?? current.offset))
    }

    mutating func enter() throws(JinjaError) {
        depth += 1
        if depth > Self.maximumDepth { throw error("template nests deeper than \(Self.maximumDepth) levels") }
    }

    mutating func leave() { depth -= 1 }

    // MARK: Statements

    /// Parses statements until a block tag named in `terminators`, consuming that name (the
    /// caller reads the rest of the tag). `opener` names the enclosing block for error messages.
    mutating func parseNodes(
        until terminators: Set<String>, opener: (name: String, offset: Int)?
    ) throws(JinjaError) -> (nodes: [Node], terminator: String) {
        try enter()
        defer { leave() }
        var nodes: [Node] = []
        while true {
            switch current.kind {
            case .text(let text):
                nodes.append(.text(text))
                advance()
            case .variableBegin:
                advance()
                let expression = try parseTuple()
                guard current.kind == .variableEnd else {
                    throw error("expected '}}' after the expression, found \(current.displayName)")
                }
                advance()
                nodes.append(.output(expression))
            case .blockBegin:
                advance()
                guard case .name(let keyword) = current.kind else {
                    throw error("expected a statement name after '{%', found \(current.displayName)")
                }
                if terminators.contains(keyword) {
                    advance()
                    return (nodes, keyword)
                }
                if let node = try parseStatement(keyword, terminators: terminators, opener: opener) {
                    nodes.append(node)
                }
            case .end:
                if let opener {
                    let line = source.location(of: opener.offset).line
                    throw error("unexpected end of template; expected \(Self.describe(terminators)) to close the '\(opener.name)' on line \(line)")
                }
                return (nodes, "")
            default:
                throw error("unexpected \(current.displayName)")
            }
        }
    }

    static func describe(_ names: Set<String>) -> String {
        names.sorted { ($0.hasPrefix("end") ? 0 : 1, $0) < ($1.hasPrefix("end") ? 0 : 1, $1) }
            .map { "'\($0)'" }.joined(separator: " or ")
    }

    mutating func parseStatement(
        _ keyword: String, terminators: Set<String>, opener: (name: String, offset: Int)?
    ) throws(JinjaError) -> Node? {
        let offset = current.offset
        switch keyword {
        case "for": return try parseFor()
        case "if": return try parseIf()
        case "set": return try parseSet()
        case "macro": return try parseMacro()
        case "call": return try parseCallBlock()
        case "filter": return try parseFilterBlock()
        case "with": return try parseWith()
        case "print":
            advance()
            let expression = try parseTuple()
            try expectBlockEnd()
            return .output(expression)
        case "generation":
            advance()
            try expectBlockEnd()
            let body = try parseBody(until: ["endgeneration"], opener: ("generation", offset))
            return .group(body)
        case "break", "continue":
            guard loopDepth > 0 else { throw error("'\(keyword)' outside a for loop") }
            advance()
            try expectBlockEnd()
            return .loopControl(isBreak: keyword == "break")
        case "include", "import", "from", "extends", "block":
            throw error("'\(keyword)' is not supported: a chat template must be self-contained")
        default:
            if let opener, keyword.hasPrefix("end") || keyword == "else" || keyword == "elif" {
                throw error("unexpected '\(keyword)'; expected \(Self.describe(terminators)) to close the '\(opener.name)' on line \(source.location(of: opener.offset).line)")
            }
            throw error("unknown tag '\(keyword)'")
        }
    }

    /// Parses a body up to one of `terminators` and the end of that closing tag.
    mutating func parseBody(until terminators: Set<String>, opener: (name: String, offset: Int)) throws(JinjaError) -> [Node] {
        let (body, _) = try parseNodes(until: terminators, opener: opener)
        try expectBlockEnd()
        return body
    }

    mutating func parseFor() throws(JinjaError) -> Node {
        let offset = current.offset
        advance()
        let target = try parseAssignTarget(allowNamespace: false, endName: "in")
        guard skipName("in") else { throw error("expected 'in' in for loop, found \(current.displayName)") }
        let iterable = try parseTuple(withCondition: false, endName: "recursive")
        let condition = skipName("if") ? try parseExpression() : nil
        if isName("recursive") { throw error("recursive for loops are not supported") }
        try expectBlockEnd()
        loopDepth += 1
        let (body, terminator) = try parseNodes(until: ["endfor", "else"], opener: ("for", offset))
        loopDepth -= 1
        try expectBlockEnd()
        var otherwise: [Node] = []
        if terminator == "else" {
            otherwise = try parseBody(until: ["endfor"], opener: ("for", offset))
        }
        return .forLoop(ForLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, offset: offset))
    }

    mutating func parseIf() throws(JinjaError) -> Node {
        let offset = current.offset
        advance()
        var branches: [Branch] = []
        var otherwise: [Node] = []
        while true {
            let condition = try parseTuple(withCondition: false)
            try expectBlockEnd()
            let (body, terminator) = try parseNodes(until: ["elif", "else", "endif"], opener: ("if", offset))
            branches.append(Branch(condition: condition, body: body))
            if terminator == "elif" { continue }
            try expectBlockEnd()
            if terminator == "else" {
                otherwise = try parseBody(until: ["endif"], opener: ("if", offset))
            }
            return .conditional(branches, otherwise: otherwise)
        }
    }

    mutating func parseSet() throws(JinjaError) -> Node {
        let offset = current.offset
        advance()
        let target = try parseAssignTarget(allowNamespace: true, endName: nil)
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .assign(target, value)
        }
        let filters = try parseFilterChain()
        try expectBlockEnd()
        let body = try parseBody(until: ["endset"], opener: ("set", offset))
        return .assignBlock(target, filters: filters, body: body)
    }

    mutating func parseMacro() throws(JinjaError) -> Node {
        let offset = current.offset
        advance()
        let name = try expectName()
        let parameters = try parseParameters()
        try expectBlockEnd()
        let body = try parseMacroBody(until: "endmacro", opener: ("macro", offset))
        return .macro(MacroDefinition(name: name, parameters: parameters, body: body))
    }

    /// A macro body: `break` inside it cannot reach an enclosing loop.
    mutating func parseMacroBody(until terminator: String, opener: (name: String, offset: Int)) throws(JinjaError) -> [Node] {
        let savedLoopDepth = loopDepth
        loopDepth = 0
        defer { loopDepth = savedLoopDepth }
        return try parseBody(until: [terminator], opener: opener)
    }

    /// `(a, b=default, ...)` after a macro name or `call`.
    mutating func parseParameters() throws(JinjaError) -> [MacroParameter] {
        try expectOp("(")
        var parameters: [MacroParameter] = []
        while !isOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let name = try expectName()
            let defaultValue = skipOp("=") ? try parseExpression() : nil
            if defaultValue == nil && parameters.last?.defaultValue != nil {
                throw error("parameter '\(name)' without a default follows one with a default")
            }
            parameters.append(MacroParameter(name: name, defaultValue: defaultValue))
        }
        advance()
        return parameters
    }

    mutating func parseCallBlock() throws(JinjaError) -> Node {
        let offset = current.offset
        advance()
        let parameters = isOp("(") ? try parseParameters() : []
        let call = try parseExpression()
        guard case .call = call.kind else { throw error("expected a call after 'call'", at: call.offset) }
        try expectBlockEnd()
        let body = try parseMacroBody(until: "endcall", opener: ("call", offset))
        return .callBlock(CallBlock(parameters: parameters, call: call, body: body))
    }

    mutating func parseFilterBlock() throws(JinjaError) -> Node {
        let offset = current.offset
        advance()
        let filters = try parseFilterChain(startsWithPipe: false)
        try expectBlockEnd()
        let body = try parseBody(until: ["endfilter"], opener: ("filter", offset))
        return .filterBlock(filters: filters, body: body)
    }

    mutating func parseWith() throws(JinjaError) -> Node {
        let offset = current.offset
        advance()
        var assignments: [(AssignTarget, Expression)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expectOp(",") }
            let target = try parseAssignTarget(allowNamespace: false, endName: nil)
            try expectOp("=")
            assignments.append((target, try parseExpression()))
        }
        advance()
        let body = try parseBody(until: ["endwith"], opener: ("with", offset))
        return .with(assignments, body: body)
    }

    /// The names a `for` or `set` assigns: `x`, `k, v`, `(a, b)`, or `ns.attribute`.
    mutating func parseAssignTarget(allowNamespace: Bool, endName: String?) throws(JinjaError) -> AssignTarget {
        var items: [AssignTarget] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            let atEnd = [.blockEnd, .variableEnd, .op(")")].contains(current.kind) || (endName.map { isName($0) } ?? false)
            if atEnd && !items.isEmpty { break }
            items.append(try parseTargetItem(allowNamespace: allowNamespace))
            if isOp(",") { isTuple = true } else { break }
        }
        return isTuple ? .tuple(items) : items[0]
    }

    mutating func parseTargetItem(allowNamespace: Bool) throws(JinjaError) -> AssignTarget {
        if skipOp("(") {
            let inner = try parseAssignTarget(allowNamespace: allowNamespace, endName: nil)
            try expectOp(")")
            return inner
        }
        guard case .name(let name) = current.kind, !["true", "false", "True", "False", "none", "None"].contains(name) else {
            throw error("can't assign to \(current.displayName)")
        }
        advance()
        if allowNamespace && skipOp(".") {
            return .namespaceAttribute(name, try expectName())
        }
        return .name(name)
    }
}
