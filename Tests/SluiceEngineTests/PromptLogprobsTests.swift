import Foundation
import SluiceCPU
import SluiceModel
import Testing
@testable import SluiceEngine

extension ModelTests {
@Suite("Prompt log-probabilities: from the prefill's own passes, equal to running the prompt token by token")
struct PromptLogprobsTests {
    /// 150 tokens: more than two chunks of ``SchedulerConfig/promptLogprobsChunk``.
    static let prompt: [Int] = {
        var generator = SeededGenerator(seed: 99)
        let text = DefaultModelFixture.chatPrompt("Tell me about the history of the printing press in Europe.")
        return text + (0..<(150 - text.count)).map { _ in Int(generator.next() % 40_000) + 100 }
    }()

    /// The log-probability of each prompt token after the first, computed one position per forward
    /// pass (teacher-forced), with a log-softmax of its own in Double.
    static let teacherForced: [Double] = {
        let blockSize = 16
        let numBlocks = (prompt.count + blockSize - 1) / blockSize + 1
        let executor = CPUBackend(threadCount: 2).makeExecutor(for: DefaultModelFixture.model, limits: ExecutorLimits(
            numBlocks: numBlocks + 1, blockSize: blockSize, maxBatchTokens: 8, maxLogitRows: 1, maxModelLength: 512))
        let table = (1...numBlocks).map { Int32($0) }
        var result: [Double] = []
        for position in 0..<(prompt.count - 1) {
            let batch = ForwardBatch.singleSequence(tokens: [Int32(prompt[position])], startPosition: position,
                                                    blockTable: table, blockSize: blockSize)
            do {
                let logits = try executor.execute(batch)
                let maxLogit = Double(logits.max() ?? 0)
                let total = logits.reduce(0.0) { $0 + exp(Double($1) - maxLogit) }
                result.append(Double(logits[prompt[position + 1]]) - maxLogit - log(total))
            } catch {
                fatalError("teacher-forced pass failed: \(error)")
            }
        }
        return result
    }()

    static func makeCore() throws -> EngineCore {
        try EngineCore(model: DefaultModelFixture.model,
                       config: SchedulerConfig(maxNumBatchedTokens: 256, maxNumSeqs: 8, maxModelLength: 512, numBlocks: 200),
                       eosTokenIDs: [], backend: CPUBackend(threadCount: 2))
    }

    /// Runs the requests together; returns each one's first output (where prompt log-probabilities travel) and tokens.
    static func run(_ core: EngineCore, _ requests: [Request]) throws -> (first: [RequestID: EngineCoreOutput], tokens: [RequestID: [Int]]) {
        for request in requests { try core.add(request) }
        var first: [RequestID: EngineCoreOutput] = [:]
        var tokens: [RequestID: [Int]] = [:]
        while core.hasUnfinishedRequests {
            for output in try core.step().outputs {
                if first[output.requestID] == nil { first[output.requestID] = output }
                tokens[output.requestID, default: []].append(output.token.tokenID)
            }
        }
        return (first, tokens)
    }

    static func params(promptLogprobs: Int?) -> SamplingParams {
        var params = SamplingParams(temperature: 0, maxTokens: 4)
        params.promptLogprobs = promptLogprobs
        return params
    }

    @Test("every prompt token after the first gets its log-probability and top alternatives, as teacher-forced passes give them")
    func matchesTeacherForced() throws {
        let core = try Self.makeCore()
        let (first, tokens) = try Self.run(core, [
            Request(requestID: "a", promptTokenIDs: Self.prompt, samplingParams: Self.params(promptLogprobs: 3)),
        ])
        let entries = try #require(first["a"]?.promptLogprobs)
        #expect(entries.count == Self.prompt.count - 1)
        for (index, entry) in entries.enumerated() {
            #expect(entry.tokenID == Self.prompt[index + 1])
            let logprob = try #require(entry.logprob)
            #expect(abs(Double(logprob) - Self.teacherForced[index]) < 1e-3, "position \(index)")
            #expect(entry.topLogprobs.count == 3)
            // Alternatives come likeliest first, and the prompt token is never likelier than the top one.
            #expect(zip(entry.topLogprobs, entry.topLogprobs.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
            #expect(logprob <= entry.topLogprobs[0].logprob + 1e-6)
        }
        // Asking for them changes nothing else.
        let plain = try Self.run(try Self.makeCore(), [
            Request(requestID: "a", promptTokenIDs: Self.prompt, samplingParams: Self.params(promptLogprobs: nil)),
        ])
        #expect(tokens["a"] == plain.tokens["a"])
        #expect(plain.first["a"]?.promptLogprobs == nil)
        #expect(core.scheduler.kvCacheManager.numFreeBlocks == core.scheduler.config.numBlocks - 1)
    }

    @Test("two such requests and a plain one together, the second after the first was cached: the same log-probabilities")
    func batchedAndCached() throws {
        let core = try Self.makeCore()
        // The plain request caches the prompt's blocks first; prompt log-probabilities must not use them.
        _ = try Self.run(core, [Request(requestID: "warm", promptTokenIDs: Self.prompt, samplingParams: Self.params(promptLogprobs: nil))])
        let (first, _) = try Self.run(core, [
            Request(requestID: "a", promptTokenIDs: Self.prompt, samplingParams: Self.params(promptLogprobs: 0)),
            Request(requestID: "b", promptTokenIDs: Array(Self.prompt.prefix(70)), samplingParams: Self.params(promptLogprobs: 1)),
            Request(requestID: "c", promptTokenIDs: Array(Self.prompt.prefix(90)), samplingParams: Self.params(promptLogprobs: nil)),
        ])
        let a = try #require(first["a"]?.promptLogprobs)
        let b = try #require(first["b"]?.promptLogprobs)
        #expect(a.count == Self.prompt.count - 1 && b.count == 69)
        #expect(first["c"]?.promptLogprobs == nil)
        for (index, entry) in a.enumerated() {
            #expect(abs(Double(entry.logprob ?? 0) - Self.teacherForced[index]) < 1e-3, "a, position \(index)")
            #expect(entry.topLogprobs.isEmpty)
        }
        for (index, entry) in b.enumerated() {
            #expect(abs(Double(entry.logprob ?? 0) - Self.teacherForced[index]) < 1e-3, "b, position \(index)")
            #expect(entry.topLogprobs.count == 1)
        }
    }
}
}
