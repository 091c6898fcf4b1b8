import Foundation
import SluiceCPU
import SluiceModel
import Testing
@testable import SluiceEngine

@Suite("Speculative decoding: proposer, configuration and draft length")
struct SpeculativePartsTests {
    @Test("the n-gram proposer copies what followed the first earlier occurrence of the longest suffix")
    func ngramLookup() {
        let proposer = NgramProposer(minN: 2, maxN: 3)
        // Suffix [7, 8, 9] occurs at 1; what followed it there is [4, 5, 7, 8, 9].
        let tokens = [1, 7, 8, 9, 4, 5, 7, 8, 9]
        #expect(proposer.propose(tokens[...], count: 2) == [4, 5])
        #expect(proposer.propose(tokens[...], count: 10) == [4, 5, 7, 8, 9])
        #expect(proposer.propose(tokens[...], count: 0) == [])
        // The longest n wins over an earlier shorter match: [8, 9] alone also occurs at 2 in both.
        let longest = [8, 9, 1, 2, 7, 8, 9, 3, 3, 7, 8, 9]
        #expect(proposer.propose(longest[...], count: 1) == [3])
        // Only shorter than minN matches: nothing.
        #expect(proposer.propose([5, 6, 1, 2, 6][...], count: 3) == [])
        #expect(proposer.propose([][...], count: 3) == [])
        #expect(proposer.propose([4][...], count: 3) == [])
        // A run of one token predicts more of it (the match may overlap the suffix).
        #expect(NgramProposer(minN: 1, maxN: 2).propose([3, 3, 3][...], count: 4) == [3])
        // Works on a slice that does not start at 0.
        let sliced = ([0, 0, 0] + tokens)[3...]
        #expect(proposer.propose(sliced, count: 2) == [4, 5])
    }

    @Test("--speculative-config reads vLLM's JSON and refuses what it cannot use, by name")
    func configParsing() throws {
        let config = try SpeculativeConfig(json: #"{"method": "ngram", "num_speculative_tokens": 3, "prompt_lookup_max": 5, "prompt_lookup_min": 3}"#)
        #expect(config == SpeculativeConfig(method: .ngram, numSpeculativeTokens: 3, promptLookupMin: 3, promptLookupMax: 5))
        let defaults = try SpeculativeConfig(json: #"{"method": "ngram"}"#)
        #expect(defaults == SpeculativeConfig())
        // One bound given: the other follows it.
        #expect(try SpeculativeConfig(json: #"{"method": "ngram", "prompt_lookup_max": 1}"#).promptLookupMin == 1)
        #expect(try SpeculativeConfig(json: #"{"method": "ngram", "prompt_lookup_min": 7}"#).promptLookupMax == 7)
        let bad: [(String, String)] = [
            ("[1]", "JSON object"),
            ("{", "JSON object"),
            (#"{"num_speculative_tokens": 3}"#, "needs \"method\""),
            (#"{"method": "eagle"}"#, "not supported"),
            (#"{"method": "ngram", "num_speculative_tokens": "3"}"#, "num_speculative_tokens"),
            (#"{"method": "ngram", "num_speculative_tokens": true}"#, "num_speculative_tokens"),
            (#"{"method": "ngram", "num_speculative_tokens": 0}"#, "1 to 64"),
            (#"{"method": "ngram", "num_speculative_tokens": 1000}"#, "1 to 64"),
            (#"{"method": "ngram", "prompt_lookup_min": 4, "prompt_lookup_max": 2}"#, "prompt_lookup_min"),
            (#"{"method": "ngram", "disable_by_batch_size": 0}"#, "disable_by_batch_size"),
            (#"{"method": "ngram", "num_speculativ_tokens": 3}"#, "unknown key \"num_speculativ_tokens\""),
        ]
        for (json, message) in bad {
            #expect {
                _ = try SpeculativeConfig(json: json)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test("a request's draft length grows while drafts hold, shrinks to what held, and pauses after misses")
    func draftLength() {
        var length = DraftLength(maximum: 6)
        #expect(length.next() == 6)
        length.observe(numDrafts: 6, numAccepted: 2)
        #expect(length.next() == 3)
        length.observe(numDrafts: 3, numAccepted: 3)
        #expect(length.next() == 4)
        length.observe(numDrafts: 4, numAccepted: 0)
        #expect(length.next() == 1)
        length.observe(numDrafts: 1, numAccepted: 0)
        // Two misses in a row: paused for 2 steps, then one draft again.
        #expect(length.next() == 0)
        #expect(length.next() == 0)
        #expect(length.next() == 1)
        length.observe(numDrafts: 1, numAccepted: 0)
        for _ in 0..<4 { #expect(length.next() == 0) }
        #expect(length.next() == 1)
        length.observe(numDrafts: 1, numAccepted: 1)
        #expect(length.next() == 2)
    }

    @Test("stats count drafts, tokens and acceptances per position")
    func stats() {
        var stats = SpecDecodeStats()
        stats.record(numDraftTokens: 3, numAccepted: 2)
        stats.record(numDraftTokens: 1, numAccepted: 0)
        stats.record(numDraftTokens: 0, numAccepted: 0)
        #expect(stats.numDrafts == 2 && stats.numDraftTokens == 4 && stats.numAcceptedTokens == 2)
        #expect(stats.numAcceptedTokensPerPosition == [1, 1, 0])
        #expect(stats.acceptanceRate == 0.5)
    }
}

extension ModelTests {
@Suite("Speculative decoding on the model: the output is the target's, token for token")
struct SpeculativeDecodingTests {
    static let maxTokens = 40

    /// Prompts the n-gram lookup does well on (the answer copies the question) and prompts it
    /// does badly on (random tokens), so that drafts are both kept and rejected.
    static let prompts: [[Int]] = {
        var generator = SeededGenerator(seed: 7)
        let random = (0..<3).map { _ in (0..<30).map { _ in Int(generator.next() % 49_000) + 100 } }
        return [
            DefaultModelFixture.chatPrompt("Repeat this list exactly, one item per line: apples, pears, plums, cherries, grapes, lemons, limes, figs, dates."),
            DefaultModelFixture.chatPrompt("Write the numbers from 1 to 30, separated by commas."),
            DefaultModelFixture.chatPrompt("Copy this sentence twice: the quick brown fox jumps over the lazy dog."),
        ] + random
    }()

    static func makeCore(speculative: SpeculativeConfig?, _ configure: (inout SchedulerConfig) -> Void = { _ in }) throws -> EngineCore {
        var config = SchedulerConfig(maxNumBatchedTokens: 256, maxNumSeqs: 16, maxModelLength: 512, numBlocks: 300,
                                     speculative: speculative)
        configure(&config)
        return try EngineCore(model: DefaultModelFixture.model, config: config, eosTokenIDs: [2],
                              backend: CPUBackend(threadCount: 2))
    }

    /// Runs `prompts` together and returns each one's tokens in prompt order.
    static func run(_ core: EngineCore, prompts: [[Int]], params: (Int) -> SamplingParams) throws -> [[Int]] {
        for (index, prompt) in prompts.enumerated() {
            try core.add(Request(requestID: RequestID("r\(index)"), promptTokenIDs: prompt, samplingParams: params(index)))
        }
        let run = try core.runUntilIdle()
        #expect(core.scheduler.kvCacheManager.numFreeBlocks == core.scheduler.config.numBlocks - 1)
        return prompts.indices.map { run.tokens[RequestID("r\($0)")] ?? [] }
    }

    static let greedy = SamplingParams(temperature: 0, maxTokens: maxTokens)

    /// Each prompt alone without speculation: the reference.
    static let plain: [[Int]] = {
        // (Also the lengths the preemption test sizes its pool by: each prompt plus 40 tokens.)
        do {
            return try prompts.map { try run(makeCore(speculative: nil), prompts: [$0]) { _ in greedy }[0] }
        } catch {
            fatalError("running the prompts without speculation failed: \(error)")
        }
    }()

    @Test("greedy output alone equals output without speculation, for 1, 3 and 8 draft tokens",
          arguments: [1, 3, 8])
    func greedyAlone(numSpeculativeTokens: Int) throws {
        let config = SpeculativeConfig(numSpeculativeTokens: numSpeculativeTokens, promptLookupMin: 1, promptLookupMax: 3)
        var accepted = 0
        for (index, prompt) in Self.prompts.enumerated() {
            let core = try Self.makeCore(speculative: config)
            let output = try Self.run(core, prompts: [prompt]) { _ in Self.greedy }[0]
            #expect(output == Self.plain[index], "prompt \(index), k = \(numSpeculativeTokens)")
            accepted += core.specDecodeStats.numAcceptedTokens
            // Every step that verified drafts saved a forward pass per accepted draft.
            #expect(core.numSteps <= output.count + 1 - core.specDecodeStats.numAcceptedTokens + 1)
        }
        // The copying prompts must actually exercise acceptance.
        #expect(accepted > 10)
    }

    @Test("greedy output inside a batch equals each prompt alone without speculation; larger batches fall back")
    func greedyBatched() throws {
        let config = SpeculativeConfig(numSpeculativeTokens: 4, promptLookupMin: 1, promptLookupMax: 3, disableByBatchSize: 3)
        // 6 prompts: speculation stays off while more than 3 run, and turns on once the random
        // prompts' 8 tokens are done. Greedy outputs with fewer tokens are prefixes of the reference.
        let short = 8
        let core = try Self.makeCore(speculative: config)
        let outputs = try Self.run(core, prompts: Self.prompts) { index in
            index < 3 ? Self.greedy : SamplingParams(temperature: 0, maxTokens: short)
        }
        let expected = Self.plain.enumerated().map { index, tokens in index < 3 ? tokens : Array(tokens.prefix(short)) }
        #expect(outputs == expected)
        #expect(core.specDecodeStats.numDraftTokens > 0)
    }

    @Test("a seeded sampled request draws the same tokens with and without speculation")
    func seededSampling() throws {
        let params = { (index: Int) in
            var params = SamplingParams(temperature: 0.8, topP: 0.95, seed: UInt64(100 + index), maxTokens: Self.maxTokens)
            params.repetitionPenalty = 1.1
            params.presencePenalty = 0.3
            return params
        }
        let without = try Self.run(try Self.makeCore(speculative: nil), prompts: Self.prompts, params: params)
        let config = SpeculativeConfig(numSpeculativeTokens: 5, promptLookupMin: 1, promptLookupMax: 3, disableByBatchSize: 8)
        let core = try Self.makeCore(speculative: config)
        #expect(try Self.run(core, prompts: Self.prompts, params: params) == without)
        #expect(core.specDecodeStats.numAcceptedTokens > 0)
    }

    @Test("stops inside accepted drafts end the request there: max_tokens, stop token ids, min_tokens")
    func stopsInsideDrafts() throws {
        let config = SpeculativeConfig(numSpeculativeTokens: 8, promptLookupMin: 1, promptLookupMax: 3)
        for maxTokens in [1, 2, 5, 13] {
            var params = SamplingParams(temperature: 0, maxTokens: maxTokens)
            params.minTokens = min(3, maxTokens)
            let expected = try Self.run(try Self.makeCore(speculative: nil), prompts: [Self.prompts[0]]) { _ in params }[0]
            let got = try Self.run(try Self.makeCore(speculative: config), prompts: [Self.prompts[0]]) { _ in params }[0]
            #expect(got == expected, "max_tokens \(maxTokens)")
            #expect(got.count <= maxTokens)
        }
        // A stop token id that the copy is bound to produce: the output ends at its first occurrence.
        let stopAt = Self.plain[1][6]
        var params = Self.greedy
        params.stopTokenIDs = [stopAt]
        let expected = try Self.run(try Self.makeCore(speculative: nil), prompts: [Self.prompts[1]]) { _ in params }[0]
        let got = try Self.run(try Self.makeCore(speculative: config), prompts: [Self.prompts[1]]) { _ in params }[0]
        #expect(got == expected)
        #expect(got.last == stopAt)
    }

    @Test("with a pool small enough to preempt, output still equals the reference and the pool ends free")
    func preemption() throws {
        let config = SpeculativeConfig(numSpeculativeTokens: 6, promptLookupMin: 1, promptLookupMax: 3, disableByBatchSize: 8)
        let core = try Self.makeCore(speculative: config) { $0.numBlocks = 12 }
        #expect(try Self.run(core, prompts: Self.prompts) { _ in Self.greedy } == Self.plain)
        #expect(core.scheduler.numPreemptions > 0)
    }
}
}
