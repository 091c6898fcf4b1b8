import Foundation
import SluiceCPU
import SluiceGrammar
import Testing
@testable import SluiceEngine

extension ModelTests {
/// Structured output end to end on the default model: the grammar mask in the sampler, the matcher
/// advanced by each token, the request finished when the grammar is complete.
@Suite("Structured output on the default model")
struct StructuredOutputTests {
    static let tokenizer = DefaultModelFixture.tokenizer
    static let eosTokenIDs = tokenizer.endOfGenerationTokenIDs

    /// The model's vocabulary as the grammar engine sees it, built once.
    static let vocabulary = TokenVocabulary(
        tokenBytes: (0..<tokenizer.vocabularySize).map { tokenizer.tokenBytes($0) }, endTokenIDs: eosTokenIDs.sorted())

    static let personSchema = """
        {"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 12},
            "age": {"type": "integer", "minimum": 0, "maximum": 120},
            "color": {"enum": ["red", "green", "blue"]}
        }, "required": ["name", "age", "color"], "additionalProperties": false}
        """

    static func makeCore(numBlocks: Int = 400) throws -> EngineCore {
        let config = SchedulerConfig(maxNumBatchedTokens: 256, maxNumSeqs: 16, maxModelLength: 512, numBlocks: numBlocks)
        return try EngineCore(model: DefaultModelFixture.model, config: config, eosTokenIDs: eosTokenIDs,
                              backend: CPUBackend(threadCount: 2))
    }

    static func params(_ spec: GrammarSpec, temperature: Float = 0, seed: UInt64? = nil, n: Int = 1,
                       maxTokens: Int = 120) throws -> SamplingParams {
        var params = SamplingParams(temperature: temperature, seed: seed, maxTokens: maxTokens)
        params.n = n
        params.structuredOutput = try StructuredOutput(compiling: spec, vocabulary: vocabulary)
        return params
    }

    /// Adds one checked request for `question` to `core`.
    static func add(_ core: EngineCore, _ id: RequestID, question: String, params: SamplingParams) throws {
        try core.add(core.validator.validate(requestID: id, promptTokenIDs: DefaultModelFixture.chatPrompt(question),
                                             params: params))
    }

    /// Checks one generated person against the schema: a JSON object with exactly its three keys, a short
    /// name, an age in range and a colour from the enum.
    static func expectPerson(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let data = text.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            Issue.record("not a JSON object: \(text)", sourceLocation: sourceLocation)
            return
        }
        #expect(Set(object.keys) == ["name", "age", "color"], "\(text)", sourceLocation: sourceLocation)
        #expect(((object["name"] as? String)?.count ?? 99) <= 12, "\(text)", sourceLocation: sourceLocation)
        let age = (object["age"] as? NSNumber)?.doubleValue ?? -1
        #expect(age == age.rounded() && age >= 0 && age <= 120, "\(text)", sourceLocation: sourceLocation)
        #expect(["red", "green", "blue"].contains(object["color"] as? String ?? ""), "\(text)", sourceLocation: sourceLocation)
    }

    @Test("a JSON schema request gives JSON that parses and validates, and finishes with stop")
    func jsonSchema() throws {
        let core = try Self.makeCore()
        try Self.add(core, "person", question: "Describe a person as JSON.", params: try Self.params(.jsonSchema(Self.personSchema)))
        let run = try core.runUntilIdle()
        #expect(run.last["person"]?.finishReason == .stop)
        Self.expectPerson(DefaultModelFixture.text(of: run.tokens["person"] ?? []))
    }

    @Test("any-JSON mode gives a JSON value that parses")
    func anyJSON() throws {
        let core = try Self.makeCore()
        try Self.add(core, "json", question: "Reply in JSON with the name and age of a person.",
                     params: try Self.params(.anyJSON, maxTokens: 200))
        let run = try core.runUntilIdle()
        let text = DefaultModelFixture.text(of: run.tokens["json"] ?? [])
        #expect(run.last["json"]?.finishReason == .stop, "\(text)")
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil, "\(text)")
    }

    @Test("a regex request matches the whole pattern and stops as soon as nothing more can follow")
    func regex() throws {
        let core = try Self.makeCore()
        try Self.add(core, "phone", question: "What is your phone number?", params: try Self.params(.regex(#"\(\d{3}\) \d{3}-\d{4}"#)))
        let run = try core.runUntilIdle()
        let text = DefaultModelFixture.text(of: run.tokens["phone"] ?? [])
        #expect(run.last["phone"]?.finishReason == .stop)
        #expect(text.range(of: #"^\(\d{3}\) \d{3}-\d{4}$"#, options: .regularExpression) != nil, "\(text)")
    }

    @Test("a choice request answers exactly one of the choices")
    func choice() throws {
        let core = try Self.makeCore()
        let choices = ["positive", "negative", "neutral"]
        try Self.add(core, "sentiment", question: "Is 'I love this film' positive or negative?",
                     params: try Self.params(.choice(choices)))
        let run = try core.runUntilIdle()
        #expect(run.last["sentiment"]?.finishReason == .stop)
        #expect(choices.contains(DefaultModelFixture.text(of: run.tokens["sentiment"] ?? [])))
    }

    @Test("n > 1 sampled completions each follow the schema, each with its own matcher")
    func parallelSampling() throws {
        let core = try Self.makeCore()
        let params = try Self.params(.jsonSchema(Self.personSchema), temperature: 1, seed: 7, n: 4)
        try Self.add(core, "people", question: "Describe a person as JSON.", params: params)
        let run = try core.runUntilIdle()
        let texts = (0..<4).map { DefaultModelFixture.text(of: run.tokens[RequestID("people#\($0)")] ?? []) }
        for index in 0..<4 {
            #expect(run.last[RequestID("people#\(index)")]?.finishReason == .stop, "\(texts[index])")
            Self.expectPerson(texts[index])
        }
        // Seeds differ per child, so the completions are not all the same text.
        #expect(Set(texts).count > 1)
    }

    @Test("constrained requests preempted by recompute and sharing a cached prefix give what each gives alone")
    func preemptionAndPrefixCache() throws {
        let questions = (0..<8).map { "Describe person number \($0) as JSON." }
        let spec = GrammarSpec.jsonSchema(Self.personSchema)
        var alone: [[Int]] = []
        for question in questions {
            let core = try Self.makeCore()
            try Self.add(core, "solo", question: question, params: try Self.params(spec))
            alone.append(try core.runUntilIdle().tokens["solo"] ?? [])
        }
        let core = try Self.makeCore(numBlocks: 20)
        for (index, question) in questions.enumerated() {
            try Self.add(core, RequestID("r\(index)"), question: question, params: try Self.params(spec))
        }
        let run = try core.runUntilIdle()
        #expect(core.scheduler.numPreemptions > 0)
        for index in questions.indices {
            let tokens = run.tokens[RequestID("r\(index)")] ?? []
            #expect(tokens == alone[index])
            Self.expectPerson(DefaultModelFixture.text(of: tokens))
        }
        #expect(core.scheduler.kvCacheManager.numFreeBlocks == core.scheduler.config.numBlocks - 1)
    }

    @Test("a lazy grammar applies from its trigger until complete, then the model is free, and it does not end the request")
    func lazyGrammar() throws {
        // A control token: no bytes, so no grammar ever allows it, and it is no end token.
        let at = Self.tokenizer.encode("<|im_start|>", addSpecialTokens: false, parseSpecial: true)
        try #require(at.count == 1 && !Self.eosTokenIDs.contains(at[0]))
        var params = try Self.params(.jsonSchema(Self.personSchema), maxTokens: 60)
        params.grammarTriggers = GrammarTriggers(tokenIDs: [at[0]], repeats: false)
        // The bias makes the token the model's every choice: it is taken at once (the trigger), banned while the
        // grammar constrains, and taken again as soon as the grammar is complete.
        params.logitBias = [at[0]: 100]
        let core = try Self.makeCore()
        try Self.add(core, "lazy", question: "Describe a person as JSON.", params: params)
        let run = try core.runUntilIdle()
        let tokens = run.tokens["lazy"] ?? []
        #expect(run.last["lazy"]?.finishReason == .length, "a lazy grammar never stops the request")
        try #require(tokens.first == at[0])
        let rest = tokens.dropFirst()
        let end = try #require(rest.firstIndex(of: at[0]), "the trigger comes back once the grammar completed")
        Self.expectPerson(DefaultModelFixture.text(of: Array(rest[..<end])))
        #expect(rest[end...].allSatisfy { $0 == at[0] }, "unconstrained after completion (repeats off)")
    }
}
}
