import Foundation
import SluiceModel
import Testing
@testable import SluiceEngine

extension ModelTests {
@Suite("Engine lifecycle: the online and offline paths share one step and give the same outputs")
struct EngineLifecycleTests {
    static func makeOptions() -> EngineOptions {
        var options = EngineOptions()
        options.kvCacheMemory = 64 << 20
        options.maxModelLength = 1024
        options.threadCount = 2
        options.maxStepLatency = .off
        return options
    }

    static func makeLLM() throws -> LLM {
        try LLM(model: DefaultModelFixture.model, tokenizer: DefaultModelFixture.tokenizer, options: makeOptions())
    }

    static func makeEngine() throws -> Engine {
        try Engine(model: DefaultModelFixture.model, tokenizer: DefaultModelFixture.tokenizer, options: makeOptions())
    }

    /// Each completion of an online request, by index, its outputs joined.
    static func collect(_ stream: AsyncThrowingStream<RequestOutput, Error>) async throws -> [LLM.Completion] {
        var completions: [Int: LLM.Completion] = [:]
        for try await output in stream {
            completions[output.index, default: LLM.Completion(index: output.index)].append(output)
        }
        return completions.keys.sorted().map { completions[$0]! }
    }

    /// The completions in a form two runs can be compared by (metrics aside).
    static func summary(_ completions: [LLM.Completion]) -> [String] {
        completions.map { completion in
            "\(completion.index) \(completion.tokenIDs) \(completion.text.debugDescription) "
                + "\(completion.finishReason.map(\.description) ?? "-") \(completion.stopReason?.description ?? "-") "
                + "\(completion.logprobs?.map(\.tokenID) ?? [])"
        }
    }

    static let questions = [
        "Write a short poem about the moon and the stars.", "What is the capital of France?",
        "Name three colors.", "Describe a cat in one sentence.", "List the planets of the solar system.",
        "Why is the sky blue?", "Write a haiku about the sea.", "Who wrote Hamlet?",
    ]

    /// Mixed requests: seeded sampling, greedy, n = 2, logprobs, and stop strings that occur.
    static func params(_ index: Int) -> SamplingParams {
        var params = SamplingParams(temperature: index % 3 == 0 ? 0 : 0.8, seed: UInt64(100 + index), maxTokens: 24)
        params.ignoreEOS = index % 2 == 0
        if index % 4 == 1 { params.n = 2 }
        if index % 4 == 2 { params.logprobs = 2 }
        // Common words, so some requests end on a stop string found by the output side.
        params.stop = index % 2 == 0 ? [" the", "."] : ["\n"]
        return params
    }

    @Test("a seeded request with n = 2 and logprobs gives the same completions online and offline")
    func onlineEqualsOffline() async throws {
        var params = SamplingParams(temperature: 0.9, topP: 0.95, seed: 77, maxTokens: 20)
        params.n = 2
        params.logprobs = 1
        params.ignoreEOS = true
        let prompt = DefaultModelFixture.chatPrompt(Self.questions[0])
        let offline = try Self.makeLLM().generate(promptTokenIDs: [prompt], params: [params])[0].completions
        let engine = try Self.makeEngine()
        let online = try await Self.collect(try engine.generate(prompt: .tokenIDs(prompt), params: params))
        #expect(Self.summary(online) == Self.summary(offline))
        #expect(online.count == 2 && online.allSatisfy { $0.tokenIDs.count == 20 })
        engine.shutdown()
    }

    @Test("a stop string seen on the output thread ends the text before it, drops later tokens, and frees the blocks")
    func stopStringOnline() async throws {
        var reference = SamplingParams(temperature: 0, maxTokens: 30)
        reference.ignoreEOS = true
        let prompt = DefaultModelFixture.chatPrompt(Self.questions[0])
        let llm = try Self.makeLLM()
        let full = try llm.generate(promptTokenIDs: [prompt], params: [reference])[0].completions[0]
        // A stop string made of the text of tokens 8 and 9: the request must end right after token 9.
        let stop = DefaultModelFixture.text(of: full.tokenIDs[8...9])
        try #require(!stop.isEmpty && !DefaultModelFixture.text(of: full.tokenIDs[..<9]).contains(stop))
        var params = reference
        params.stop = [stop]
        let offline = try llm.generate(promptTokenIDs: [prompt], params: [params])[0].completions
        let engine = try Self.makeEngine()
        let online = try await Self.collect(try engine.generate(prompt: .tokenIDs(prompt), params: params))
        #expect(Self.summary(online) == Self.summary(offline))
        #expect(online.first?.finishReason == .stop && online.first?.stopReason == .string(stop))
        #expect(online.first?.tokenIDs == Array(full.tokenIDs[...9]))
        #expect(!(online.first?.text.contains(stop) ?? true))
        // The core hears of the stop after the fact, and still frees the request's blocks.
        var idle = false
        for _ in 0..<500 where !idle {
            let stats = engine.stats
            idle = stats.numRunning == 0 && stats.numWaiting == 0 && stats.kvCacheUsage == 0
            if !idle { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(idle, "\(engine.stats)")
        engine.shutdown()
    }

    @Test("eight concurrent mixed requests (seeds, n = 2, logprobs, stop strings) give the offline batch's outputs")
    func overlapChangesNothing() async throws {
        let prompts = Self.questions.map(DefaultModelFixture.chatPrompt)
        let offline = try Self.makeLLM().generate(promptTokenIDs: prompts, params: prompts.indices.map(Self.params))
        let engine = try Self.makeEngine()
        let online = try await withThrowingTaskGroup(of: (Int, [LLM.Completion]).self) { group in
            for (index, prompt) in prompts.enumerated() {
                let stream = try engine.generate(prompt: .tokenIDs(prompt), params: Self.params(index))
                group.addTask { (index, try await Self.collect(stream)) }
            }
            var results: [Int: [LLM.Completion]] = [:]
            for try await (index, completions) in group { results[index] = completions }
            return results
        }
        for index in prompts.indices {
            #expect(Self.summary(online[index] ?? []) == Self.summary(offline[index].completions), "prompt \(index)")
        }
        let stoppedByString = offline.flatMap(\.completions).filter { $0.stopReason.isString }
        #expect(!stoppedByString.isEmpty, "some requests end on a stop string")
        engine.shutdown()
    }
}
}
