/// What a request constrains its output to, as vLLM's `structured_outputs` and OpenAI's `response_format`
/// spell it.
public enum GrammarSpec: Hashable, Sendable {
    /// Text matching a JSON schema (the schema's JSON text).
    case jsonSchema(String)
    /// Any JSON value (`response_format: json_object`).
    case anyJSON
    /// Text matching a regular expression as a whole.
    case regex(String)
    /// Exactly one of the strings.
    case choice([String])
    /// Text matching a GBNF grammar from its `root` rule (llama.cpp's format).
    case gbnf(String)

    /// Compiles the constraint into a grammar; errors name what cannot be enforced.
    public func compile(limits: GrammarLimits = GrammarLimits()) throws -> Grammar {
        switch self {
        case let .jsonSchema(text):
            return try JSONSchemaCompiler.compile(try JSONValue.parse(text), limits: limits)
        case .anyJSON:
            return try JSONSchemaCompiler.anyJSON(limits: limits)
        case let .regex(pattern):
            var builder = GrammarBuilder(limits: limits)
            let node = try RegexParser.parse(pattern, maxRepeat: limits.maxRepeat)
            let e = try RegexLowering.anchored(node, encoding: .utf8, into: &builder.expressions)
            let start = builder.lexeme(e)
            return try builder.build(start: start, skipWhitespace: false)
        case let .gbnf(text):
            return try GBNFCompiler.compile(text, limits: limits)
        case let .choice(options):
            guard !options.isEmpty else { throw GrammarError.invalidSchema("choice needs at least one option") }
            guard options.count <= JSONSchemaCompiler.maxEnumValues else {
                throw GrammarError.limitExceeded("choice with more than \(JSONSchemaCompiler.maxEnumValues) options")
            }
            var builder = GrammarBuilder(limits: limits)
            let literals = options.map { builder.expressions.literal($0) }
            let e = builder.expressions.or(literals)
            let start = builder.lexeme(e)
            return try builder.build(start: start, skipWhitespace: false)
        }
    }
}
