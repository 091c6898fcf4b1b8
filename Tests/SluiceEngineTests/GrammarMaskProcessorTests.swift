import Testing
import SluiceGrammar
@testable import SluiceEngine

/// The grammar mask as a logits processor, on a vocabulary of the 256 bytes plus an end token (256).
@Suite("Grammar mask processor")
struct GrammarMaskProcessorTests {
    static let endToken = 256
    static let vocabulary = TokenVocabulary(tokenBytes: (0..<256).map { [UInt8($0)] } + [[]], endTokenIDs: [endToken])

    static func structuredOutput(_ spec: GrammarSpec) throws -> StructuredOutput {
        try StructuredOutput(compiling: spec, vocabulary: vocabulary)
    }

    /// A greedy sampler over `spec` whose raw logits always prefer `favourite`, then `endToken`.
    static func greedySampler(_ spec: GrammarSpec) throws -> Sampler {
        let params = SamplingParams(temperature: 0, maxTokens: 64)
        let stops = StopChecker(params: params, eosTokenIDs: [endToken])
        let processors = Sampler.processors(params: params, stops: stops,
                                            grammar: try GrammarMaskProcessor(try structuredOutput(spec)))
        return Sampler(params: params, processors: processors)
    }

    /// Logits over 257 tokens (and `padding` more) where `favourite` is best, the end token second, then bytes by value.
    static func row(favourite: Int, padding: Int = 0) -> [Float] {
        var row = (0..<(257 + padding)).map { Float($0) / 1000 }
        row[endToken] = 5
        row[favourite] = 10
        return row
    }

    /// Samples greedily until the sampler says the grammar is finished; returns the tokens.
    static func run(_ sampler: inout Sampler, favourite: Int, padding: Int = 0, limit: Int = 32) -> [Int] {
        var output: [Int] = []
        let logits = row(favourite: favourite, padding: padding)
        logits.withUnsafeBufferPointer { logits in
            while !sampler.isFinished, output.count < limit {
                output.append(sampler.sample(logits: logits, promptTokenIDs: [], outputTokenIDs: output[...]).tokenID)
            }
        }
        return output
    }

    @Test("a token the grammar forbids is never picked, however likely, and the request finishes when the match is complete")
    func masksAndFinishes() throws {
        var sampler = try Self.greedySampler(.regex("ab[0-9]"))
        // The raw row always prefers 'z', then the end token; the mask leaves 'a', 'b', then the best digit.
        let tokens = Self.run(&sampler, favourite: Int(UInt8(ascii: "z")))
        #expect(tokens == [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "9")].map(Int.init))
        #expect(sampler.isFinished)
    }

    @Test("the end token is allowed only once the grammar can finish, and taking it finishes the request")
    func endOnlyWhenComplete() throws {
        var sampler = try Self.greedySampler(.regex("x+"))
        // Favouring '!' (forbidden): before the first 'x' the end token is banned, after it the end token wins.
        let tokens = Self.run(&sampler, favourite: Int(UInt8(ascii: "!")))
        #expect(tokens == [Int(UInt8(ascii: "x")), Self.endToken])
        #expect(sampler.isFinished)
    }

    @Test("a choice list yields exactly one of its options")
    func choice() throws {
        var sampler = try Self.greedySampler(.choice(["red", "green", "blue"]))
        let tokens = Self.run(&sampler, favourite: Int(UInt8(ascii: "g")))
        #expect(String(decoding: tokens.map { UInt8($0) }, as: UTF8.self) == "green")
        #expect(sampler.isFinished)
    }

    @Test("logit ids past the tokenizer's vocabulary (a padded row) are banned too")
    func paddedRow() throws {
        var sampler = try Self.greedySampler(.regex("[a-c]{2}"))
        // Token 300 does not exist in the vocabulary but is the row's best logit.
        let tokens = Self.run(&sampler, favourite: 300, padding: 64)
        #expect(tokens.count == 2)
        #expect(tokens.allSatisfy { (97...99).contains($0) })
    }

    @Test("the mask also holds when sampling at a temperature")
    func randomDraws() throws {
        for seed in UInt64(0)..<20 {
            var params = SamplingParams(temperature: 1.5, seed: seed, maxTokens: 64)
            params.logitBias = [Int(UInt8(ascii: "q")): 50]
            let stops = StopChecker(params: params, eosTokenIDs: [Self.endToken])
            var sampler = Sampler(params: params, processors: Sampler.processors(
                params: params, stops: stops, grammar: try GrammarMaskProcessor(try Self.structuredOutput(.regex("[0-9]{3}")))))
            let tokens = Self.run(&sampler, favourite: Int(UInt8(ascii: "z")))
            #expect(tokens.count == 3)
            #expect(tokens.allSatisfy { (48...57).contains($0) }, "seed \(seed): \(tokens)")
        }
    }

    @Test("the scheduler finishes a request its processors call complete with stop, but length still wins")
    func completedRequestsStop() throws {
        var scheduler = try Scheduler(config: SchedulerConfig(maxNumBatchedTokens: 64, maxNumSeqs: 4, maxModelLength: 64,
                                                              numBlocks: 16), eosTokenIDs: [])
        try scheduler.add(Request(requestID: "a", promptTokenIDs: [1, 2, 3], samplingParams: SamplingParams(maxTokens: 8)))
        try scheduler.add(Request(requestID: "b", promptTokenIDs: [4, 5, 6], samplingParams: SamplingParams(maxTokens: 1)))
        try scheduler.add(Request(requestID: "c", promptTokenIDs: [7, 8, 9], samplingParams: SamplingParams(maxTokens: 8)))
        let output = scheduler.schedule()
        let finished = scheduler.update(output: output, sampledTokens: ["a": 10, "b": 11, "c": 12],
                                        completedRequestIDs: ["a", "b"])
        let reasons = Dictionary(uniqueKeysWithValues: finished.map { ($0.requestID, $0.status) })
        #expect(reasons["a"] == .finished(.stop))
        #expect(reasons["b"] == .finished(.length))
        #expect(reasons["c"] == nil)
        #expect(scheduler.request("c") != nil)
    }
}
