import SluiceCPU
import SluiceModel
import Testing
@testable import SluiceEngine

extension ModelTests {
@Suite("Prefix cache on the real model")
struct PrefixCacheTests {
    @Test("a second request with the same 512-token system prompt computes only its uncached suffix")
    func sharedSystemPrompt() throws {
        let tokenizer = DefaultModelFixture.tokenizer
        let rules = (1...200).map { "Rule \($0): answer politely and precisely." }.joined(separator: " ")
        let system = Array(tokenizer.encode(rules, addSpecialTokens: false, parseSpecial: false).prefix(512))
        try #require(system.count == 512)
        let first = system + tokenizer.encode(" What is the capital of France?", addSpecialTokens: false, parseSpecial: false)
        let second = system + tokenizer.encode(" Name a large ocean.", addSpecialTokens: false, parseSpecial: false)

        let core = try EngineCore(
            model: DefaultModelFixture.model, config: SchedulerConfig(maxModelLength: 1024, numBlocks: 200),
            eosTokenIDs: [], backend: CPUBackend(threadCount: 2))
        let params = SamplingParams(temperature: 0, maxTokens: 4)
        try core.add(Request(requestID: "first", promptTokenIDs: first, samplingParams: params))
        while core.hasUnfinishedRequests { _ = try core.step() }
        #expect(core.numComputedTokensTotal == first.count + 3)

        let before = core.numComputedTokensTotal
        try core.add(Request(requestID: "second", promptTokenIDs: second, samplingParams: params))
        let finished = try core.runUntilIdle().last["second"]
        #expect(finished?.isFinished == true)
        #expect(finished?.numCachedTokens == 512)
        // The suffix of the prompt, then the 3 decode tokens that are run (the 4th is only sampled).
        #expect(core.numComputedTokensTotal - before == second.count - 512 + 3)
        #expect(core.scheduler.prefixCacheStats == PrefixCacheStats(requests: 2, queries: first.count + second.count, hits: 512))
    }
}
}
