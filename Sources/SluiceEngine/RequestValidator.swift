/// The engine's door: checks a request once, when it is submitted (``Engine/generate(prompt:params:requestID:priority:)``
/// or ``LLM``), and turns it into the ``EngineCoreRequest`` every layer below trusts.
///
/// As vLLM v1's input processor (`Processor._validate_params`, `_validate_model_inputs` in
/// vllm/v1/engine/processor.py, input_processor.py in later versions): sampling ranges and token ids against the vocabulary, then the
/// prompt against the context, the KV pool and the scheduling policy. A refusal names what to change;
/// the server turns it into the same 400 whoever submitted the request.
public struct RequestValidator: Sendable {
    /// Token ids must lie below it.
    public let vocabularySize: Int
    /// The limits a request must fit: context length, KV pool, scheduling policy.
    public let config: SchedulerConfig

    public init(vocabularySize: Int, config: SchedulerConfig) {
        self.vocabularySize = vocabularySize
        self.config = config
    }

    /// The checked request, or the first reason it could never run: ``SchedulerError/invalidSamplingParams(_:_:)``,
    /// ``EngineError/invalidPromptToken(_:vocabularySize:)``, or one of ``SchedulerConfig/check(requestID:numPromptTokens:maxTokens:priority:)``'s refusals.
    public func validate(
        requestID: RequestID, promptTokenIDs: [Int], params: SamplingParams, priority: Int = 0,
        arrival: ContinuousClock.Instant = .now, group: String? = nil
    ) throws -> EngineCoreRequest {
        do { try params.validate(vocabularySize: vocabularySize) } catch {
            throw SchedulerError.invalidSamplingParams(requestID, error)
        }
        if let bad = promptTokenIDs.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw EngineError.invalidPromptToken(bad, vocabularySize: vocabularySize)
        }
        try config.check(requestID: requestID, numPromptTokens: promptTokenIDs.count, maxTokens: params.maxTokens,
                         priority: priority)
        return EngineCoreRequest(requestID: requestID, promptTokenIDs: promptTokenIDs, params: params,
                                 priority: priority, arrival: arrival, group: group)
    }
}
