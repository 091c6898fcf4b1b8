import Foundation
import SluiceCPU
import SluiceModel
import Testing
@testable import SluiceEngine

/// A backend the engine has never heard of: it runs the CPU backend underneath but prices a KV token at
/// twice the bytes and records every batch. The engine must size its pool from the backend's price and
/// reach the model only through `ModelExecutor` (ARCHITECTURE.md, decision 12).
private final class RecordingBackend: ModelBackend, @unchecked Sendable {
    // @unchecked: `batches` is appended on the engine's one step thread and read after it stops.
    let inner = CPUBackend(threadCount: 2)
    private(set) var limits: ExecutorLimits?
    private(set) var executor: Recorder?

    final class Recorder: ModelExecutor {
        let inner: any ModelExecutor
        private(set) var batches: [ForwardBatch] = []
        init(_ inner: any ModelExecutor) { self.inner = inner }
        var vocabularySize: Int { inner.vocabularySize }
        var threadCount: Int { inner.threadCount }
        func execute(_ batch: ForwardBatch) throws(ModelError) -> UnsafeBufferPointer<Float> {
            batches.append(batch)
            return try inner.execute(batch)
        }
    }

    func kvBytesPerToken(for model: any DecoderModel) -> Int { 2 * inner.kvBytesPerToken(for: model) }
    func check(_ model: any DecoderModel) throws(ModelError) { try inner.check(model) }

    func makeExecutor(for model: any DecoderModel, limits: ExecutorLimits) -> any ModelExecutor {
        self.limits = limits
        let recorder = Recorder(inner.makeExecutor(for: model, limits: limits))
        executor = recorder
        return recorder
    }
}

extension ModelTests {
@Suite("The backend seam")
struct BackendSeamTests {
    @Test("the engine sizes its KV pool from the backend's price per token and runs every step through its executor")
    func engineRunsOnAnyBackend() throws {
        let model = DefaultModelFixture.model
        var options = EngineOptions()
        options.kvCacheMemory = 64 << 20
        options.stepCostModel = nil
        options.maxStepLatency = .off
        let cpuBlocks = options.schedulerConfig(for: model).numBlocks
        let backend = RecordingBackend()
        options.backend = backend
        let config = options.schedulerConfig(for: model)
        #expect(abs(config.numBlocks - cpuBlocks / 2) <= 1, "twice the bytes per token, half the blocks: \(config.numBlocks) vs \(cpuBlocks)")

        let llm = try LLM(model: model, tokenizer: DefaultModelFixture.tokenizer, options: options)
        #expect(backend.limits?.numBlocks == config.numBlocks)
        let params = SamplingParams(temperature: 0, maxTokens: 8)
        let results = try llm.generate(prompts: ["The capital of France is", "def add(a, b):"], params: params)
        let recorder = try #require(backend.executor)
        #expect(results.allSatisfy { $0.completions.first?.tokenIDs.count == 8 })
        #expect(!recorder.batches.isEmpty)
        // The same requests on the plain CPU backend give the same tokens: the seam changes nothing.
        var plain = EngineOptions()
        plain.kvCacheMemory = 64 << 20
        plain.maxStepLatency = .off
        plain.threadCount = 2
        let reference = try LLM(model: model, tokenizer: DefaultModelFixture.tokenizer, options: plain)
            .generate(prompts: ["The capital of France is", "def add(a, b):"], params: params)
        #expect(results.map { $0.completions.map(\.tokenIDs) } == reference.map { $0.completions.map(\.tokenIDs) })
    }
}
}
