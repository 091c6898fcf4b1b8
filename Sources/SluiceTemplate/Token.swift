/// One lexical unit of a template: a run of literal text, a tag delimiter, or a piece of an
/// expression inside a tag.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// Literal template text, after whitespace control.
        case text(String)
        /// `{{`
        case variableBegin
        /// `}}`
        case variableEnd
        /// `{%`
        case blockBegin
        /// `%}`
        case blockEnd
        /// An identifier; keywords such as `if` and `in` are names the parser recognises in place.
        case name(String)
        /// A string literal, escapes already decoded.
        case string(String)
        case integer(Int)
        case float(Double)
        /// An operator or punctuation: `+`, `//`, `(`, `|`, ...
        case op(String)
        /// The end of the template.
        case end
    }

    let kind: Kind
    /// Where the token starts, as an offset into `SourceText.scalars`.
    let offset: Int

    /// How an error message names this token.
    var displayName: String {
        switch kind {
        case .text: "template text"
        case .variableBegin: "'{{'"
        case .variableEnd: "'}}'"
        case .blockBegin: "'{%'"
        case .blockEnd: "'%}'"
        case .name(let name): "'\(name)'"
        case .string: "string literal"
        case .integer(let value): "'\(value)'"
        case .float(let value): "'\(value)'"
        case .op(let op): "'\(op)'"
        case .end: "end of template"
        }
    }
}
