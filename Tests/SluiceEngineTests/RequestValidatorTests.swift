import Testing
@testable import SluiceEngine

@Suite("Request validator: every request is checked once, at the engine's door")
struct RequestValidatorTests {
    static func makeValidator(maxModelLength: Int = 4096, numBlocks: Int = 1000,
                              policy: SchedulingPolicy = .fcfs) -> RequestValidator {
        RequestValidator(vocabularySize: 1000, config: SchedulerConfig(
            maxModelLength: maxModelLength, numBlocks: numBlocks, schedulingPolicy: policy))
    }

    @Test("a prompt plus max_tokens beyond the context is refused with both numbers in the message")
    func refusesTooLong() throws {
        let error = #expect(throws: SchedulerError.self) {
            try Self.makeValidator(maxModelLength: 100).validate(
                requestID: "a", promptTokenIDs: Array(0..<90), params: SamplingParams(maxTokens: 20))
        }
        #expect(error == .exceedsMaxModelLength("a", numPromptTokens: 90, maxTokens: 20, maxModelLength: 100))
        let message = error?.description ?? ""
        #expect(message.contains("90") && message.contains("20") && message.contains("100"))
    }

    @Test("an empty prompt is refused")
    func refusesEmptyPrompt() {
        #expect(throws: SchedulerError.emptyPrompt("a")) {
            try Self.makeValidator().validate(requestID: "a", promptTokenIDs: [], params: SamplingParams())
        }
    }

    @Test("a request that could never fit in the whole KV pool is refused")
    func refusesBeyondThePool() throws {
        // 4 usable blocks of 16 tokens hold 64 tokens; 60 + 6 - 1 = 65 need 5 blocks.
        let validator = Self.makeValidator(numBlocks: 5)
        #expect(throws: SchedulerError.exceedsKVCache("a", numBlocksNeeded: 5, numUsableBlocks: 4)) {
            try validator.validate(requestID: "a", promptTokenIDs: Array(0..<60), params: SamplingParams(maxTokens: 6))
        }
        _ = try validator.validate(requestID: "b", promptTokenIDs: Array(0..<60), params: SamplingParams(maxTokens: 5))
    }

    @Test("sampling params out of range and token ids outside the vocabulary are refused, naming the field")
    func refusesBadParamsAndTokens() {
        let validator = Self.makeValidator()
        let error = #expect(throws: SchedulerError.self) {
            try validator.validate(requestID: "a", promptTokenIDs: [1, 2], params: SamplingParams(topP: 2))
        }
        #expect(error == .invalidSamplingParams("a", .invalid("top_p must be in (0, 1], got 2.0")))
        var stopToken = SamplingParams()
        stopToken.stopTokenIDs = [1000]
        #expect(throws: SchedulerError.self) {
            try validator.validate(requestID: "a", promptTokenIDs: [1, 2], params: stopToken)
        }
        #expect(throws: EngineError.invalidPromptToken(1000, vocabularySize: 1000)) {
            try validator.validate(requestID: "a", promptTokenIDs: [1, 1000], params: SamplingParams())
        }
    }

    @Test("FCFS refuses a request with a priority, naming the flag that enables it")
    func fcfsRefusesPriority() throws {
        let error = #expect(throws: SchedulerError.self) {
            try Self.makeValidator().validate(requestID: "a", promptTokenIDs: [1], params: SamplingParams(), priority: 2)
        }
        #expect(error == .priorityNotEnabled("a", priority: 2))
        #expect(error?.description.contains("--scheduling-policy priority") == true)
        _ = try Self.makeValidator(policy: .priority).validate(
            requestID: "a", promptTokenIDs: [1], params: SamplingParams(), priority: 2)
    }

    @Test("a checked request keeps what it was given")
    func keepsTheRequest() throws {
        let params = SamplingParams(temperature: 0.5, seed: 3, maxTokens: 7)
        let request = try Self.makeValidator().validate(requestID: "x", promptTokenIDs: [5, 6], params: params)
        #expect(request.requestID == "x" && request.promptTokenIDs == [5, 6] && request.params == params)
    }
}
