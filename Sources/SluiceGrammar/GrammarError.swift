/// Why a grammar, schema, regex or token could not be handled; every case carries a message a user can act on.
public enum GrammarError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The JSON text of a schema or instance does not parse.
    case invalidJSON(String)
    /// The regular expression does not parse, or uses syntax we do not support.
    case invalidRegex(String)
    /// The schema is not a valid JSON Schema (a `$ref` that does not resolve, a keyword of the wrong type).
    case invalidSchema(String)
    /// The GBNF grammar does not parse or does not hold together; the message says where.
    case invalidGrammar(String)
    /// The schema uses keywords we cannot enforce; refused rather than ignored.
    case unsupportedKeywords([String])
    /// A compile or match limit was reached (a hostile or too large schema or regex).
    case limitExceeded(String)

    public var description: String {
        switch self {
        case let .invalidJSON(m): return "invalid JSON: \(m)"
        case let .invalidRegex(m): return "invalid regex: \(m)"
        case let .invalidSchema(m): return "invalid JSON schema: \(m)"
        case let .invalidGrammar(m): return "invalid grammar: \(m)"
        case let .unsupportedKeywords(k): return "unsupported JSON schema keywords: \(k.joined(separator: ", "))"
        case let .limitExceeded(m): return "grammar limit exceeded: \(m)"
        }
    }
}

/// Work limits, so that a hostile schema or regex fails with an error instead of hanging or exhausting memory.
public struct GrammarLimits: Sendable {
    /// Regex nodes (hash-consed derivatives included) one grammar may create.
    public var maxExpressionNodes = 1_000_000
    /// Lexer DFA states one grammar's shared lexer may create (a fresh one is started for new matchers once
    /// a quarter of this is used).
    public var maxLexerStates = 100_000
    /// Grammar rules a schema may compile to.
    public var maxRules = 200_000
    /// Earley items in one parser set.
    public var maxItemsPerSet = 200_000
    /// Repetition bound (`{n,m}`, maxLength, maxItems) beyond which we refuse.
    public var maxRepeat = 10_000

    public init() {}
}
