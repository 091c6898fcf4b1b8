import Testing
@testable import SluiceEngine

@Suite("Output processor: text, stop strings after the fact, and the fan-in")
struct OutputProcessorTests {
    static let tokenizer = DefaultModelFixture.tokenizer

    static func makeParent(_ id: RequestID, n: Int = 1, stop: [String] = []) throws -> ParentRequest {
        var params = SamplingParams(temperature: 0, maxTokens: 100)
        params.n = n
        params.stop = stop
        let validator = RequestValidator(
            vocabularySize: 49_152, config: SchedulerConfig(maxModelLength: 1024, numBlocks: 200))
        return ParentRequest(try validator.validate(requestID: id, promptTokenIDs: [1, 2], params: params))
    }

    /// One step's output carrying `token` for child `index` of `parent`.
    static func step(_ parent: ParentRequest, index: Int = 0, token: Int, finish: FinishReason? = nil,
                     completedConstraint: Bool = false) -> EngineCoreOutputs {
        var outputs = EngineCoreOutputs()
        outputs.outputs = [EngineCoreOutput(
            requestID: parent.childID(index), parentID: parent.requestID, index: index, token: SampledToken(tokenID: token),
            finishReason: finish, stopReason: nil, numCachedTokens: 0, numPreemptions: 0,
            completedConstraint: completedConstraint)]
        return outputs
    }

    @Test("the last token of a completed grammar keeps its text; a stop token's text is left out")
    func completedConstraintKeepsLastText() throws {
        let tokens = Self.tokenizer.encode("yes", addSpecialTokens: false, parseSpecial: false)
        try #require(tokens.count == 1)
        var processor = OutputProcessor(tokenizer: Self.tokenizer)
        let grammar = try Self.makeParent("g"), stopped = try Self.makeParent("s")
        processor.add(grammar)
        processor.add(stopped)
        let kept = processor.process(Self.step(grammar, token: tokens[0], finish: .stop, completedConstraint: true))
        #expect(kept.outputs.map(\.text) == ["yes"])
        #expect(kept.outputs.first?.finishReason == .stop)
        let dropped = processor.process(Self.step(stopped, token: tokens[0], finish: .stop))
        #expect(dropped.outputs.map(\.text) == [""])
    }

    @Test("a stop string ends the completion once, asks the core to finish it, and tokens the core ran after it are dropped")
    func stopStringAfterTheFact() throws {
        var processor = OutputProcessor(tokenizer: Self.tokenizer)
        let parent = try Self.makeParent("a", stop: [" STOP"])
        processor.add(parent)
        let tokens = Self.tokenizer.encode("one two STOP three four", addSpecialTokens: false, parseSpecial: false)
        var text = ""
        var stopped: [(RequestID, String)] = []
        var finished: [RequestID] = []
        var numOutputs = 0
        for token in tokens {
            let result = processor.process(Self.step(parent, token: token))
            numOutputs += result.outputs.count
            text += result.outputs.map(\.text).joined()
            stopped += result.stoppedByString
            finished += result.finishedRequestIDs
            if let last = result.outputs.last, last.isFinished {
                #expect(last.finishReason == .stop && last.stopReason == .string(" STOP"))
            }
        }
        #expect(text == "one two")
        #expect(stopped.map(\.0) == ["a"] && stopped.map(\.1) == [" STOP"])
        #expect(finished == ["a"])
        #expect(!processor.isLive("a"))
        #expect(numOutputs < tokens.count, "the tokens after the stop are dropped")
    }

    @Test("with n = 2 the request ends after both completions, each output carrying its index")
    func fanIn() throws {
        var processor = OutputProcessor(tokenizer: Self.tokenizer)
        let parent = try Self.makeParent("b", n: 2)
        processor.add(parent)
        let first = processor.process(Self.step(parent, index: 1, token: 42, finish: .length))
        #expect(first.outputs.map(\.index) == [1] && first.outputs[0].requestID == "b")
        #expect(first.finishedRequestIDs.isEmpty && processor.isLive("b"))
        let second = processor.process(Self.step(parent, index: 0, token: 43, finish: .length))
        #expect(second.finishedRequestIDs == ["b"])
        #expect(processor.abort("b", at: .now).isEmpty, "nothing left to abort")
    }

    @Test("an abort ends every completion still running, by index, and only those")
    func abort() throws {
        var processor = OutputProcessor(tokenizer: Self.tokenizer)
        let parent = try Self.makeParent("c", n: 3)
        processor.add(parent)
        _ = processor.process(Self.step(parent, index: 1, token: 42, finish: .length))
        let outputs = processor.abort("c", at: .now)
        #expect(outputs.map(\.index) == [0, 2])
        #expect(outputs.allSatisfy { $0.finishReason == .abort })
        #expect(!processor.isLive("c"))
    }
}
