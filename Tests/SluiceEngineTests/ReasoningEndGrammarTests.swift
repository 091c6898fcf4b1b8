import Testing
import SluiceGrammar
@testable import SluiceEngine

/// Grammars that wait for the model's thought to end. The vocabulary is the 256 bytes, an end token (256), a
/// thought-ending control token with no bytes (257, Qwen3's `</think>`), a token writing `>a` (258) and a
/// lazy-trigger control token (259, Qwen2.5's `<tool_call>`) and a thought-opening control token (260, Qwen3's
/// `<think>`). The end marker spelled in bytes is `</t>`.
@Suite("Grammars after the thought: nothing before the end marker is constrained")
struct ReasoningEndGrammarTests {
    static let endToken = 256
    static let thoughtEndToken = 257
    static let closeAndA = 258
    static let triggerToken = 259
    static let thoughtOpenToken = 260
    static let vocabulary = TokenVocabulary(tokenBytes: (0..<256).map { [UInt8($0)] } + [[], [], Array(">a".utf8), [], []],
                                            endTokenIDs: [endToken])
    static let reasoningEnd = ReasoningEnd(tokenIDs: [thoughtEndToken], pattern: Array("</t>".utf8))

    static func processor(_ pattern: String, triggers: GrammarTriggers? = nil) throws -> GrammarMaskProcessor {
        try GrammarMaskProcessor(StructuredOutput(compiling: .regex(pattern), vocabulary: vocabulary),
                                 triggers: triggers, reasoningEnd: reasoningEnd)
    }

    static func byte(_ c: Character) -> Int { Int(c.asciiValue!) }

    static func accept(_ text: String, _ processor: inout GrammarMaskProcessor) {
        for c in text { processor.accept(byte(c)) }
    }

    /// The tokens the processor leaves possible, or nil when it is not constraining.
    static func allowed(_ processor: inout GrammarMaskProcessor) -> Set<Int>? {
        let history = TokenHistory(promptTokenIDs: [], outputTokenIDs: [])
        guard processor.isActive(history) else { return nil }
        var row = [Float](repeating: 0, count: vocabulary.size)
        row.withUnsafeMutableBufferPointer { processor.apply(to: $0, history: history) }
        return Set(row.indices.filter { row[$0] != -.infinity })
    }

    @Test("the thought is free, the end token starts the grammar, and the request finishes when the answer is complete")
    func endToken() throws {
        var grammar = try Self.processor("ab")
        #expect(Self.allowed(&grammar) == nil, "inside the thought, nothing is constrained")
        Self.accept("zz{\"x\"", &grammar)
        #expect(Self.allowed(&grammar) == nil)
        #expect(!grammar.isFinished, "text the grammar refuses is no failure inside the thought")
        grammar.accept(Self.thoughtEndToken)
        #expect(Self.allowed(&grammar) == [Self.byte("a")], "the answer is constrained from its first token, end tokens too")
        grammar.accept(Self.byte("a"))
        #expect(Self.allowed(&grammar) == [Self.byte("b")])
        grammar.accept(Self.byte("b"))
        #expect(grammar.isFinished, "a complete answer ends the request, as without a thought")
    }

    @Test("the end marker spelled across tokens starts the grammar, fed what its last token wrote past it")
    func endPattern() throws {
        var grammar = try Self.processor("ab")
        Self.accept("x</t", &grammar)
        #expect(Self.allowed(&grammar) == nil)
        grammar.accept(Self.closeAndA)
        #expect(Self.allowed(&grammar) == [Self.byte("b")])

        // A marker broken off, or one spelled only partly, ends nothing.
        var other = try Self.processor("ab")
        Self.accept("</x></t", &other)
        #expect(Self.allowed(&other) == nil)
        // Bytes past the marker, in its own token, that the grammar refuses were written unconstrained: the
        // answer's grammar starts afresh after them instead of giving up.
        var refused = try Self.processor("b")
        Self.accept("</t", &refused)
        refused.accept(Self.closeAndA)
        #expect(Self.allowed(&refused) == [Self.byte("b")])
        #expect(!refused.isFinished)
    }

    @Test("the end is found once: a second marker inside the answer is the grammar's business")
    func once() throws {
        var grammar = try Self.processor("a(</t>)?b")
        grammar.accept(Self.thoughtEndToken)
        Self.accept("a", &grammar)
        #expect(Self.allowed(&grammar) == [Self.byte("<"), Self.byte("b")])
        Self.accept("</t>", &grammar)
        #expect(Self.allowed(&grammar) == [Self.byte("b")], "the marker was matched by the grammar, not restarting it")
    }

    @Test("a thought cut off leaves the grammar unstarted and the request unfinished by it")
    func cutOff() throws {
        var grammar = try Self.processor("ab")
        Self.accept(String(repeating: "thinking ", count: 20), &grammar)
        #expect(Self.allowed(&grammar) == nil)
        #expect(!grammar.isFinished && !grammar.isConstraining)
    }

    @Test("lazy triggers inside the thought open nothing; after it they start the grammar as usual")
    func lazyTriggersWaitForTheThought() throws {
        let triggers = GrammarTriggers(tokenIDs: [Self.triggerToken], patterns: [Array("<tc>".utf8)],
                                       tentative: .init(bytes: [UInt8(ascii: "{")], committedAfterStrings: 2))
        let call = #"[{]"n":"(f|g)","a":[0-9]+[}]"#
        var lazy = try Self.processor(call, triggers: triggers)
        lazy.accept(Self.triggerToken)
        #expect(Self.allowed(&lazy) == nil, "a trigger token while thinking")
        Self.accept(#"<tc>{"n":"f","#, &lazy)
        #expect(Self.allowed(&lazy) == nil, "a trigger pattern and a committed tentative call while thinking")
        lazy.accept(Self.thoughtEndToken)
        #expect(Self.allowed(&lazy) == nil, "after the thought the grammar watches, still lazy")
        Self.accept("ok ", &lazy)
        #expect(Self.allowed(&lazy) == nil)
        lazy.accept(Self.triggerToken)
        #expect(Self.allowed(&lazy) == [Self.byte("{")])

        // A tentative call right after the thought, in the marker's own token, is followed too.
        var tentative = try Self.processor(call, triggers: triggers)
        Self.accept("</t>", &tentative)
        Self.accept(#"{"n":"g""#, &tentative)
        #expect(Self.allowed(&tentative) == [Self.byte(",")])
    }

    @Test("through the sampler, a forbidden favourite is picked freely while thinking and never after")
    func throughTheSampler() throws {
        let params = SamplingParams(temperature: 0, maxTokens: 64)
        let stops = StopChecker(params: params, eosTokenIDs: [Self.endToken])
        var sampler = Sampler(params: params, processors: Sampler.processors(params: params, stops: stops,
                                                                             grammar: try Self.processor("ab")))
        var output: [Int] = []
        for step in 0..<8 where !sampler.isFinished {
            // The model's favourite is `z`, which the grammar forbids, except at step 3 where it ends its thought.
            var logits = (0..<Self.vocabulary.size).map { Float($0) / 1000 }
            logits[step == 3 ? Self.thoughtEndToken : Self.byte("z")] = 10
            let token = logits.withUnsafeBufferPointer {
                sampler.sample(logits: $0, promptTokenIDs: [], outputTokenIDs: output[...]).tokenID
            }
            output.append(token)
        }
        #expect(output == [Self.byte("z"), Self.byte("z"), Self.byte("z"), Self.thoughtEndToken, Self.byte("a"), Self.byte("b")])
        #expect(sampler.isFinished)
    }

    @Test("sampling params refuse a reasoning end without a grammar, with an empty marker, or naming tokens past the vocabulary")
    func validation() throws {
        var params = SamplingParams(maxTokens: 8)
        params.reasoningEnd = Self.reasoningEnd
        #expect(throws: SamplingError.self) { try params.validate(vocabularySize: 300) }
        params.structuredOutput = try StructuredOutput(compiling: .regex("a"), vocabulary: Self.vocabulary)
        try params.validate(vocabularySize: 300)
        params.reasoningEnd = ReasoningEnd(tokenIDs: [300], pattern: Array("</t>".utf8))
        #expect(throws: SamplingError.self) { try params.validate(vocabularySize: 300) }
        params.reasoningEnd = ReasoningEnd(pattern: [])
        #expect(throws: SamplingError.self) { try params.validate(vocabularySize: 300) }
    }

    /// A model that may open its own thought (Qwen3 when the prompt left none open): its first token may be
    /// `<think>` beside the grammar's first tokens.
    static func optionalThought(_ pattern: String) throws -> GrammarMaskProcessor {
        var end = reasoningEnd
        end.startsInThought = false
        end.openingTokenIDs = [thoughtOpenToken]
        return try GrammarMaskProcessor(StructuredOutput(compiling: .regex(pattern), vocabulary: vocabulary), reasoningEnd: end)
    }

    @Test("a thought the model opens itself: <think> is allowed first, and taken, the grammar waits for the thought's end")
    func modelOpensThought() throws {
        var grammar = try Self.optionalThought("ab")
        #expect(Self.allowed(&grammar) == [Self.byte("a"), Self.thoughtOpenToken])
        grammar.accept(Self.thoughtOpenToken)
        #expect(Self.allowed(&grammar) == nil, "inside the thought, nothing is constrained")
        Self.accept("free text {", &grammar)
        #expect(Self.allowed(&grammar) == nil && !grammar.isFinished)
        grammar.accept(Self.thoughtEndToken)
        #expect(Self.allowed(&grammar) == [Self.byte("a")])
        Self.accept("ab", &grammar)
        #expect(grammar.isFinished)
    }

    @Test("an answer that starts at once is constrained from its first token, and <think> is no longer allowed")
    func answerWithoutThought() throws {
        var grammar = try Self.optionalThought("ab")
        grammar.accept(Self.byte("a"))
        #expect(Self.allowed(&grammar) == [Self.byte("b")])
        grammar.accept(Self.byte("b"))
        #expect(grammar.isFinished)
        // Without the option, the first mask is the grammar's alone.
        var plain = try GrammarMaskProcessor(StructuredOutput(compiling: .regex("ab"), vocabulary: Self.vocabulary))
        #expect(Self.allowed(&plain) == [Self.byte("a")])
    }
}
