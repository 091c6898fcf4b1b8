import Foundation
import SluiceCPU
import SluiceModel
import Testing
@testable import SluiceEngine

extension ModelTests {
@Suite("Engine core: batching changes nothing")
struct EngineCoreTests {
    static let maxTokens = 12

    /// 32 prompts of mixed lengths (3 to 90 tokens), half of them sharing a 40-token prefix.
    static let prompts: [[Int]] = {
        var generator = SeededGenerator(seed: 42)
        let shared = (0..<40).map { _ in Int(generator.next() % 49_000) + 100 }
        return (0..<32).map { index in
            let length = 3 + Int(generator.next() % 88)
            let own = (0..<length).map { _ in Int(generator.next() % 49_000) + 100 }
            return index % 2 == 0 ? shared + own : own
        }
    }()

    static func makeCore(_ configure: (inout SchedulerConfig) -> Void = { _ in }) throws -> EngineCore {
        var config = SchedulerConfig(maxNumBatchedTokens: 256, maxNumSeqs: 32, maxModelLength: 512, numBlocks: 400)
        configure(&config)
        return try EngineCore(model: DefaultModelFixture.model, config: config, eosTokenIDs: [], backend: CPUBackend(threadCount: 2))
    }

    /// Runs `prompts` together through `core` and returns each one's output tokens, in prompt order.
    static func runTogether(_ core: EngineCore, params: (Int) -> SamplingParams = { _ in greedy }) throws -> [[Int]] {
        for (index, prompt) in prompts.enumerated() {
            try core.add(Request(requestID: RequestID("r\(index)"), promptTokenIDs: prompt, samplingParams: params(index)))
        }
        let outputs = try core.runUntilIdle().tokens
        #expect(core.scheduler.kvCacheManager.numFreeBlocks == core.scheduler.config.numBlocks - 1)
        return prompts.indices.map { outputs[RequestID("r\($0)")] ?? [] }
    }

    static let greedy = SamplingParams(temperature: 0, maxTokens: maxTokens)

    /// Each prompt run alone on a fresh engine: the reference every batched run must equal.
    static let alone: [[Int]] = {
        do {
            return try prompts.map { prompt in
                let core = try makeCore()
                try core.add(Request(requestID: "solo", promptTokenIDs: prompt, samplingParams: greedy))
                return try core.runUntilIdle().tokens["solo"] ?? []
            }
        } catch {
            fatalError("running prompts alone failed: \(error)")
        }
    }()

    @Test("32 concurrent greedy requests give token-identical outputs to each request alone")
    func concurrentEqualsAlone() throws {
        let outputs = try Self.runTogether(try Self.makeCore())
        #expect(outputs.allSatisfy { $0.count == Self.maxTokens })
        #expect(outputs == Self.alone)
    }

    @Test("the same holds with prefix caching off")
    func noPrefixCaching() throws {
        #expect(try Self.runTogether(try Self.makeCore { $0.enablePrefixCaching = false }) == Self.alone)
    }

    @Test("the same holds with a token budget small enough to chunk every prompt")
    func chunkedPrefill() throws {
        #expect(try Self.runTogether(try Self.makeCore { $0.maxNumBatchedTokens = 24 }) == Self.alone)
    }

    @Test("the same holds with a KV pool small enough that preemption happens")
    func preemption() throws {
        let core = try Self.makeCore { $0.numBlocks = 40 }
        #expect(try Self.runTogether(core) == Self.alone)
        #expect(core.scheduler.numPreemptions > 0)
    }

    @Test("a seeded request draws the same tokens alone and inside a busy batch")
    func seededInBatch() throws {
        let seeded = SamplingParams(temperature: 0.9, topP: 0.95, seed: 1234, maxTokens: Self.maxTokens)
        let alone = try Self.makeCore()
        try alone.add(Request(requestID: "solo", promptTokenIDs: Self.prompts[5], samplingParams: seeded))
        let expected = try alone.runUntilIdle().tokens["solo"] ?? []
        let busy = try Self.runTogether(try Self.makeCore()) { index in
            index == 5 ? seeded : SamplingParams(temperature: 1, seed: UInt64(index), maxTokens: Self.maxTokens)
        }
        #expect(busy[5] == expected)
    }

    @Test("aborting requests mid-generation returns the pool to fully free")
    func abortFreesBlocks() throws {
        let core = try Self.makeCore()
        for (index, prompt) in Self.prompts.prefix(8).enumerated() {
            try core.add(Request(requestID: RequestID("r\(index)"), promptTokenIDs: prompt, samplingParams: Self.greedy))
        }
        for _ in 0..<3 { _ = try core.step() }
        #expect(core.scheduler.kvCacheManager.numFreeBlocks < core.scheduler.config.numBlocks - 1)
        for index in 0..<8 { core.abort(RequestID("r\(index)")) }
        #expect(!core.hasUnfinishedRequests)
        #expect(core.scheduler.kvCacheManager.numFreeBlocks == core.scheduler.config.numBlocks - 1)
    }
}
}
