/// The right-hand side of a GBNF rule, as llama.cpp's `grammars/README.md` defines the format: literals and
/// character classes over Unicode code points, rule references, grouping, alternation and repetition.
public indirect enum GBNFExpression: Sendable, Equatable {
    /// Symbols one after another; empty matches nothing (`space ::= | " "`).
    case sequence([GBNFExpression])
    case alternation([GBNFExpression])
    /// A string literal's code points, one after another.
    case literal([UInt32])
    /// One code point from the set: `[a-z]`, `[^\n]`, `.`.
    case characters(CodepointSet)
    /// Another rule, by name.
    case rule(String)
    /// `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`.
    case repetition(GBNFExpression, min: Int, max: Int?)
}

/// Where something is in a grammar's text, for error messages: 1-based line and column (in characters).
public struct GBNFPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public var description: String { "line \(line), column \(column)" }
}
