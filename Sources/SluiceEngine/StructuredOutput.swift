import SluiceGrammar

/// A request's structured-output constraint, compiled and ready: the grammar and the vocabulary it is
/// matched against, token by token (vLLM's `StructuredOutputRequest` once its grammar is ready).
///
/// Compiling is slow next to a step, so it happens before the request reaches the engine (the server
/// compiles while the request waits, with a cache); the step thread only makes a ``GrammarMatcher`` from it
/// for each child request, in ``GrammarMaskProcessor``.
public struct StructuredOutput: Sendable, Equatable {
    /// What the client asked for, as given.
    public let spec: GrammarSpec
    public let grammar: Grammar
    /// The model's tokens as bytes, with the tokens that end generation; shared by every request.
    public let vocabulary: TokenVocabulary

    public init(spec: GrammarSpec, grammar: Grammar, vocabulary: TokenVocabulary) {
        self.spec = spec
        self.grammar = grammar
        self.vocabulary = vocabulary
    }

    /// Compiles `spec` for `vocabulary`; errors name what cannot be enforced or which limit was reached.
    /// A grammar that allows no first token (a schema whose `$ref`s only recur, say) is refused: it could
    /// only ever give an empty output.
    public init(compiling spec: GrammarSpec, vocabulary: TokenVocabulary, limits: GrammarLimits = GrammarLimits()) throws {
        self.init(spec: spec, grammar: try spec.compile(limits: limits), vocabulary: vocabulary)
        var mask = TokenBitmask(size: vocabulary.size)
        try makeMatcher().computeMask(into: &mask)
        let ends = vocabulary.endTokenIDs.filter { mask.isAllowed($0) }.count
        if mask.allowedCount == ends { throw GrammarError.invalidSchema("the constraint admits no output at all") }
    }

    /// A fresh matcher at the grammar's start.
    public func makeMatcher() throws -> GrammarMatcher {
        try GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
    }

    /// The same constraint: the same spec over the same vocabulary object.
    public static func == (lhs: StructuredOutput, rhs: StructuredOutput) -> Bool {
        lhs.spec == rhs.spec && lhs.vocabulary === rhs.vocabulary
    }
}
