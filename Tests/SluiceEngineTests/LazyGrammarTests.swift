import Testing
import SluiceGrammar
@testable import SluiceEngine

/// Lazy grammars: the mask applies from a trigger until the grammar could finish. The vocabulary is the 256
/// bytes, an end token (256), a control token with no bytes (257) and a token writing `>a` (258).
@Suite("Lazy grammar: triggers start it, completion stops it")
struct LazyGrammarTests {
    static let endToken = 256
    static let triggerToken = 257
    static let closeAndA = 258
    static let vocabulary = TokenVocabulary(tokenBytes: (0..<256).map { [UInt8($0)] } + [[], [], Array(">a".utf8)],
                                            endTokenIDs: [endToken])

    static func processor(_ pattern: String, _ triggers: GrammarTriggers) throws -> GrammarMaskProcessor {
        try GrammarMaskProcessor(StructuredOutput(compiling: .regex(pattern), vocabulary: vocabulary), triggers: triggers)
    }

    static func byte(_ c: Character) -> Int { Int(c.asciiValue!) }

    /// The tokens the processor leaves possible, or nil when it is not constraining.
    static func allowed(_ processor: inout GrammarMaskProcessor) -> Set<Int>? {
        let history = TokenHistory(promptTokenIDs: [], outputTokenIDs: [])
        guard processor.isActive(history) else { return nil }
        var row = [Float](repeating: 0, count: vocabulary.size)
        row.withUnsafeMutableBufferPointer { processor.apply(to: $0, history: history) }
        return Set(row.indices.filter { row[$0] != -.infinity })
    }

    @Test("a trigger token starts the grammar; it constrains until complete, then the model is free and it may start again")
    func triggerToken() throws {
        var lazy = try Self.processor("ab", GrammarTriggers(tokenIDs: [Self.triggerToken]))
        #expect(Self.allowed(&lazy) == nil)
        lazy.accept(Self.byte("z"))
        #expect(Self.allowed(&lazy) == nil)
        lazy.accept(Self.triggerToken)
        #expect(Self.allowed(&lazy) == [Self.byte("a")], "the end token is banned while the grammar is incomplete")
        lazy.accept(Self.byte("a"))
        #expect(Self.allowed(&lazy) == [Self.byte("b")])
        lazy.accept(Self.byte("b"))
        #expect(Self.allowed(&lazy) == nil)
        #expect(!lazy.isFinished, "a lazy grammar never ends the request")
        lazy.accept(Self.byte("?"))
        lazy.accept(Self.triggerToken)
        #expect(Self.allowed(&lazy) == [Self.byte("a")])
    }

    @Test("without repeats, a completed grammar does not start again")
    func once() throws {
        var lazy = try Self.processor("a", GrammarTriggers(tokenIDs: [Self.triggerToken], repeats: false))
        for token in [Self.triggerToken, Self.byte("a"), Self.triggerToken] { lazy.accept(token) }
        #expect(Self.allowed(&lazy) == nil)
    }

    @Test("a pattern found across tokens starts the grammar, fed what its last token wrote past it")
    func patternAcrossTokens() throws {
        var lazy = try Self.processor("ab", GrammarTriggers(patterns: [Array("<tc>".utf8)]))
        for c in "x<tc" { lazy.accept(Self.byte(c)) }
        #expect(Self.allowed(&lazy) == nil)
        lazy.accept(Self.closeAndA)
        #expect(Self.allowed(&lazy) == [Self.byte("b")])
        // A partial pattern broken off starts nothing.
        var other = try Self.processor("ab", GrammarTriggers(patterns: [Array("<tc>".utf8)]))
        for c in "<t>c>" { other.accept(Self.byte(c)) }
        #expect(Self.allowed(&other) == nil)
    }

    @Test("a tentative start follows the output unconstrained, is dropped when the output leaves it, and constrains once committed")
    func tentative() throws {
        // A call-like object: {"n":"f","a":[0-9]+} with the name fixed to f or g.
        let pattern = #"[{]"n":"(f|g)","a":[0-9]+[}]"#
        let triggers = GrammarTriggers(tentative: .init(bytes: [UInt8(ascii: "{")], committedAfterStrings: 2))
        var lazy = try Self.processor(pattern, triggers)
        for c in #"x{"n""# { lazy.accept(Self.byte(c)) }
        #expect(Self.allowed(&lazy) == nil, "on trial: not constraining yet")
        for c in #":"f""# { lazy.accept(Self.byte(c)) }
        #expect(Self.allowed(&lazy) == [Self.byte(",")], "committed after the name")
        for c in #","a":1}"# { lazy.accept(Self.byte(c)) }
        #expect(Self.allowed(&lazy) == nil, "complete: free again")

        // A name that is not a tool's drops the trial, and nothing is ever constrained.
        var other = try Self.processor(pattern, triggers)
        for c in #"{"n":"w""# { other.accept(Self.byte(c)) }
        #expect(Self.allowed(&other) == nil)
        for c in #"ho","a":1}"# { other.accept(Self.byte(c)) }
        #expect(Self.allowed(&other) == nil)
        // A later object that is a call is still caught.
        for c in #" {"n":"g""# { other.accept(Self.byte(c)) }
        #expect(Self.allowed(&other) == [Self.byte(",")])
    }

    @Test("sampling params refuse triggers without a grammar, or naming tokens past the vocabulary")
    func validation() throws {
        var params = SamplingParams(maxTokens: 8)
        params.grammarTriggers = GrammarTriggers(tokenIDs: [1])
        #expect(throws: SamplingError.self) { try params.validate(vocabularySize: 300) }
        params.structuredOutput = try StructuredOutput(compiling: .regex("a"), vocabulary: Self.vocabulary)
        try params.validate(vocabularySize: 300)
        params.grammarTriggers = GrammarTriggers(tokenIDs: [300])
        #expect(throws: SamplingError.self) { try params.validate(vocabularySize: 300) }
    }
}
