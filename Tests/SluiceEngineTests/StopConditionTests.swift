import Foundation
import SluiceModel
import SluiceTokenizer
import Testing
@testable import SluiceEngine

extension ModelTests {
@Suite("Stops: stop strings, stop token ids, max_tokens and EOS")
struct StopConditionTests {
    let llm: LLM
    /// The greedy continuation with EOS ignored, to choose stops from.
    let reference: LLM.Completion

    init() throws {
        var options = EngineOptions()
        options.kvCacheMemory = 32 << 20
        options.maxModelLength = 512
        options.threadCount = 2
        llm = try LLM(model: DefaultModelFixture.model, tokenizer: DefaultModelFixture.tokenizer, options: options)
        var params = SamplingParams(temperature: 0, maxTokens: 40)
        params.ignoreEOS = true
        reference = try llm.generate(promptTokenIDs: [Self.prompt], params: [params])[0].completions[0]
    }

    static let prompt = DefaultModelFixture.chatPrompt("Write a short poem about the moon and the stars.")

    /// A question the model answers briefly, ending with EOS.
    static let shortPrompt = DefaultModelFixture.chatPrompt("What is the capital of France?")

    func run(_ params: SamplingParams, prompt: [Int] = Self.prompt) throws -> LLM.Completion {
        try llm.generate(promptTokenIDs: [prompt], params: [params])[0].completions[0]
    }

    @Test("a stop string spanning two tokens ends the text before it, and never shows in part")
    func stopStringAcrossTokens() throws {
        let pieces = reference.tokenIDs.map { DefaultModelFixture.text(of: [$0]) }
        // The first boundary with two characters each side, whose four-character join is new.
        var stop: String?
        var expected = ""
        for index in 1..<(pieces.count - 1) where pieces[index].count >= 2 && pieces[index + 1].count >= 2 {
            let candidate = String(pieces[index].suffix(2)) + String(pieces[index + 1].prefix(2))
            let before = pieces[..<index].joined() + pieces[index].dropLast(2)
            guard !(before + String(candidate.dropLast())).contains(candidate) else { continue }
            stop = candidate
            expected = before
            break
        }
        let stopString = try #require(stop, "no token boundary to test in \(pieces)")

        var params = SamplingParams(temperature: 0, maxTokens: 40)
        params.ignoreEOS = true
        params.stop = ["never-appears", stopString]
        let completion = try run(params)
        #expect(completion.text == expected)
        #expect(completion.finishReason == .stop)
        #expect(completion.stopReason == .string(stopString))
        #expect(reference.tokenIDs.starts(with: completion.tokenIDs))

        params.includeStopStringInOutput = true
        let included = try run(params)
        #expect(included.text == expected + stopString)
        #expect(included.finishReason == .stop)
    }

    @Test("a stop token id ends the request with that token, its text left out")
    func stopTokenID() throws {
        let index = 6
        let stopToken = reference.tokenIDs[index]
        let first = reference.tokenIDs.firstIndex(of: stopToken)!
        var params = SamplingParams(temperature: 0, maxTokens: 40)
        params.ignoreEOS = true
        params.stopTokenIDs = [stopToken]
        let completion = try run(params)
        #expect(completion.tokenIDs == Array(reference.tokenIDs[...first]))
        #expect(completion.text == DefaultModelFixture.text(of: reference.tokenIDs[..<first]))
        #expect(completion.finishReason == .stop)
        #expect(completion.stopReason == .tokenID(stopToken))

        // Below min_tokens the stop token is banned, so the text runs past it.
        params.minTokens = first + 2
        let later = try run(params)
        #expect(later.tokenIDs.count >= first + 2)
    }

    @Test("max_tokens ends with length and exactly that many tokens")
    func maxTokens() throws {
        let completion = try run(SamplingParams(temperature: 0, maxTokens: 5))
        #expect(completion.tokenIDs == Array(reference.tokenIDs.prefix(5)))
        #expect(completion.text == DefaultModelFixture.text(of: completion.tokenIDs))
        #expect(completion.finishReason == .length)
        #expect(completion.stopReason == nil)
    }

    @Test("EOS ends with stop, no stop reason, and no control token in the text")
    func endOfSequence() throws {
        var params = SamplingParams(temperature: 0, maxTokens: 300)
        params.skipSpecialTokens = false
        let completion = try run(params, prompt: Self.shortPrompt)
        let last = try #require(completion.tokenIDs.last)
        #expect(DefaultModelFixture.tokenizer.endOfGenerationTokenIDs.contains(last))
        #expect(completion.finishReason == .stop)
        #expect(completion.stopReason == nil)
        #expect(!completion.text.contains("<|im_end|>"))
        #expect(completion.text == DefaultModelFixture.text(of: completion.tokenIDs.dropLast()))
    }

    @Test("ignore_eos runs to max_tokens past the point where EOS would stop")
    func ignoreEOS() throws {
        let natural = try run(SamplingParams(temperature: 0, maxTokens: 300), prompt: Self.shortPrompt)
        #expect(natural.finishReason == .stop)
        var params = SamplingParams(temperature: 0, maxTokens: natural.tokenIDs.count + 5)
        params.ignoreEOS = true
        let forced = try run(params, prompt: Self.shortPrompt)
        #expect(forced.tokenIDs.count == natural.tokenIDs.count + 5)
        #expect(forced.finishReason == .length)
    }
}
}
