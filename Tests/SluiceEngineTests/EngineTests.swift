import Foundation
import SluiceCPU
import SluiceModel
import SluiceTokenizer
import Testing
@testable import SluiceEngine

extension ModelTests {
@Suite("Engine: streams, aborts, n > 1 and bad requests")
struct EngineTests {
    static func makeEngine(_ configure: (inout EngineOptions) -> Void = { _ in }) throws -> Engine {
        var options = EngineOptions()
        options.kvCacheMemory = 64 << 20
        options.maxModelLength = 1024
        options.threadCount = 2
        configure(&options)
        return try Engine(model: DefaultModelFixture.model, tokenizer: DefaultModelFixture.tokenizer, options: options)
    }

    /// Every output of a stream, and each completion's outputs joined.
    struct Collected {
        var outputs: [RequestOutput] = []
        var completions: [Int: LLM.Completion] = [:]
    }

    static func collect(_ stream: AsyncThrowingStream<RequestOutput, Error>) async throws -> Collected {
        var collected = Collected()
        for try await output in stream {
            collected.outputs.append(output)
            collected.completions[output.index, default: LLM.Completion(index: output.index)].append(output)
        }
        return collected
    }

    /// Waits until the engine holds no request and no block, or fails after a few seconds.
    static func waitUntilIdle(_ engine: Engine) async throws {
        for _ in 0..<500 {
            let stats = engine.stats
            if stats.numRunning == 0, stats.numWaiting == 0, stats.kvCacheUsage == 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("engine still busy: \(engine.stats)")
    }

    static let questions = [
        "What is the capital of France?", "Name three colors.", "Write a haiku about the sea.",
        "What is 2 + 2?", "Who wrote Hamlet?", "Describe a cat in one sentence.",
        "List the planets of the solar system.", "Why is the sky blue?",
    ]

    @Test("concurrent streams give the same greedy tokens as each prompt alone through EngineCore")
    func concurrentStreamsMatchAlone() async throws {
        let params = SamplingParams(temperature: 0, maxTokens: 16)
        let prompts = Self.questions.map(DefaultModelFixture.chatPrompt)
        var expected: [[Int]] = []
        for prompt in prompts {
            let core = try EngineCore(
                model: DefaultModelFixture.model,
                config: SchedulerConfig(maxModelLength: 1024, numBlocks: 200),
                eosTokenIDs: DefaultModelFixture.tokenizer.endOfGenerationTokenIDs, backend: CPUBackend(threadCount: 2))
            try core.add(Request(requestID: "alone", promptTokenIDs: prompt, samplingParams: params))
            var tokens: [Int] = []
            while core.hasUnfinishedRequests { tokens += try core.step().outputs.map(\.token.tokenID) }
            expected.append(tokens)
        }

        let engine = try Self.makeEngine()
        let results = try await withThrowingTaskGroup(of: (Int, Collected).self) { group in
            for (index, prompt) in prompts.enumerated() {
                let stream = try engine.generate(prompt: .tokenIDs(prompt), params: params)
                group.addTask { (index, try await Self.collect(stream)) }
            }
            var results: [Int: Collected] = [:]
            for try await (index, collected) in group { results[index] = collected }
            return results
        }
        for index in prompts.indices {
            let completion = try #require(results[index]?.completions[0])
            #expect(completion.tokenIDs == expected[index], "prompt \(index)")
            #expect(completion.text == DefaultModelFixture.text(of: completion.tokenIDs))
            #expect(completion.finishReason != nil)
            let metrics = try #require(completion.metrics)
            #expect(metrics.numGenerationTokens == completion.tokenIDs.count)
            #expect(metrics.numPromptTokens == prompts[index].count)
            #expect(metrics.interTokenLatencies.count == completion.tokenIDs.count - 1)
            let ttft = try #require(metrics.timeToFirstToken)
            let queue = try #require(metrics.queueTime)
            #expect(queue <= ttft && ttft <= metrics.e2eLatency)
        }
        try await Self.waitUntilIdle(engine)
        engine.shutdown()
    }

    @Test("dropping streams mid-generation aborts them and frees every block")
    func droppedStreamsFreeBlocks() async throws {
        let engine = try Self.makeEngine()
        var longParams = SamplingParams(temperature: 0.8, seed: 1, maxTokens: 200)
        longParams.ignoreEOS = true
        for question in Self.questions {
            let stream = try engine.generate(prompt: .tokenIDs(DefaultModelFixture.chatPrompt(question)), params: longParams)
            // Read two outputs, then drop the stream by leaving the scope.
            var iterator = stream.makeAsyncIterator()
            _ = try await iterator.next()
            _ = try await iterator.next()
        }
        try await Self.waitUntilIdle(engine)
        #expect(engine.stats.kvCacheUsage == 0)
        engine.shutdown()
    }

    @Test("abort ends the stream with an abort output and frees the blocks")
    func abortEndsStream() async throws {
        let engine = try Self.makeEngine()
        var params = SamplingParams(temperature: 0, maxTokens: 300)
        params.ignoreEOS = true
        params.n = 2
        let stream = try engine.generate(
            prompt: .tokenIDs(DefaultModelFixture.chatPrompt("Tell me a long story.")), params: params,
            requestID: "to-abort")
        var outputs: [RequestOutput] = []
        for try await output in stream {
            outputs.append(output)
            if outputs.count == 6 { engine.abort("to-abort") }
        }
        let last = outputs.suffix(2)
        #expect(Set(last.map(\.index)) == [0, 1])
        #expect(last.allSatisfy { $0.finishReason == .abort })
        #expect(outputs.filter { $0.finishReason != nil }.count == 2)
        try await Self.waitUntilIdle(engine)
        engine.shutdown()
    }

    @Test("n = 2 gives two indexed completions that share the prompt's blocks through the prefix cache")
    func parallelSampling() async throws {
        let engine = try Self.makeEngine()
        let prompt = DefaultModelFixture.chatPrompt(String(repeating: "Describe the ocean in great detail. ", count: 8))
        var params = SamplingParams(temperature: 1, seed: 99, maxTokens: 12)
        params.n = 2
        let collected = try await Self.collect(try engine.generate(prompt: .tokenIDs(prompt), params: params))
        #expect(Set(collected.completions.keys) == [0, 1])
        #expect(collected.completions.values.allSatisfy { $0.tokenIDs.count > 0 && $0.finishReason != nil })
        let full = (prompt.count - 1) / 16 * 16
        #expect(engine.stats.prefixCacheHits == full, "the second completion reuses every full prompt block")
        #expect(engine.stats.numComputedTokens < 2 * prompt.count)

        // Seeds `seed` and `seed + 1`: the run is reproducible, and completion 1 is what seed 100 gives alone.
        let again = try await Self.collect(try engine.generate(prompt: .tokenIDs(prompt), params: params))
        #expect(again.completions[0]?.tokenIDs == collected.completions[0]?.tokenIDs)
        #expect(again.completions[1]?.tokenIDs == collected.completions[1]?.tokenIDs)
        var single = params
        single.n = 1
        single.seed = 100
        let alone = try await Self.collect(try engine.generate(prompt: .tokenIDs(prompt), params: single))
        #expect(alone.completions[0]?.tokenIDs == collected.completions[1]?.tokenIDs)
        engine.shutdown()
    }

    @Test("requests that could never run are refused at once and change nothing")
    func badRequests() async throws {
        let engine = try Self.makeEngine()
        let prompt = DefaultModelFixture.chatPrompt("Hi")
        #expect(throws: SchedulerError.self) {
            _ = try engine.generate(prompt: .tokenIDs([Int](repeating: 100, count: 1000)), params: SamplingParams(maxTokens: 100))
        }
        #expect(throws: SchedulerError.self) { _ = try engine.generate(prompt: .tokenIDs([]), params: SamplingParams()) }
        #expect(throws: EngineError.self) { _ = try engine.generate(prompt: .tokenIDs([1, 49_152]), params: SamplingParams()) }
        #expect(throws: EngineError.self) { _ = try engine.generate(prompt: .tokenIDs([1, -3]), params: SamplingParams()) }
        var badBias = SamplingParams()
        badBias.logitBias = [60_000: 1]
        #expect(throws: SchedulerError.self) { _ = try engine.generate(prompt: .tokenIDs(prompt), params: badBias) }
        #expect(throws: SchedulerError.self) {
            _ = try engine.generate(prompt: .tokenIDs(prompt), params: SamplingParams(temperature: -1))
        }

        var long = SamplingParams(temperature: 0, maxTokens: 50)
        long.ignoreEOS = true
        let first = try engine.generate(prompt: .tokenIDs(prompt), params: long, requestID: "same")
        #expect(throws: SchedulerError.duplicateRequestID("same")) {
            _ = try engine.generate(prompt: .tokenIDs(prompt), params: long, requestID: "same")
        }
        let collected = try await Self.collect(first)
        #expect(collected.completions[0]?.tokenIDs.count == 50)
        #expect(collected.completions[0]?.finishReason == .length)
        try await Self.waitUntilIdle(engine)
        // Once finished, the id may be used again.
        _ = try await Self.collect(try engine.generate(prompt: .tokenIDs(prompt), params: long, requestID: "same"))
        engine.shutdown()
        #expect(throws: EngineError.shutDown) { _ = try engine.generate(prompt: .tokenIDs(prompt), params: long) }
    }

    @Test("a full queue refuses new requests with queueFull")
    func queueLimit() async throws {
        let engine = try Self.makeEngine { $0.maxQueuedRequests = 0 }
        #expect(throws: EngineError.queueFull(limit: 0)) {
            _ = try engine.generate(prompt: .tokenIDs(DefaultModelFixture.chatPrompt("Hi")), params: SamplingParams())
        }
        engine.shutdown()
    }
}
}
