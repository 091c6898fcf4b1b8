/// What one ``EngineCore/step()`` produced, handed as one value to whoever turns tokens into
/// text: the online engine's output thread or the offline ``LLM`` (vLLM v1's `EngineCoreOutputs`).
///
/// It carries token ids only: detokenization, stop strings and delivery happen after the core has
/// moved on to the next step (ARCHITECTURE.md, "The online engine").
public struct EngineCoreOutputs: Sendable {
    /// One entry per request that sampled a token, in batch order.
    public var outputs: [EngineCoreOutput] = []
    /// Child requests that ran for the first time in this step, for their queue time.
    public var firstScheduledRequestIDs: [RequestID] = []
    /// When the step's tokens were sampled: TTFT and ITL are timed from here, not from when the
    /// output side got to them.
    public var timestamp: ContinuousClock.Instant
    /// The step's timing, for metrics; `nil` when no forward pass ran.
    public var step: StepRecord?

    public init(timestamp: ContinuousClock.Instant = .now) {
        self.timestamp = timestamp
    }

    /// Whether the step produced nothing for anyone.
    public var isEmpty: Bool { outputs.isEmpty && firstScheduledRequestIDs.isEmpty && step == nil }
}

/// One child request's new token from a step, and its ending when the token ended it.
public struct EngineCoreOutput: Sendable {
    /// The child request (the caller's id when `n` is 1).
    public let requestID: RequestID
    /// The caller's request and which of its `n` completions this is.
    public let parentID: RequestID
    public let index: Int
    public let token: SampledToken
    /// Why the child finished with this token, or `nil` when it goes on.
    public let finishReason: FinishReason?
    /// The stop token id that ended it, if one did.
    public let stopReason: StopReason?
    /// Prompt tokens found in the prefix cache at its first admission (set on its last output).
    public let numCachedTokens: Int
    /// Times it was preempted (set on its last output).
    public let numPreemptions: Int
    /// With prompt log-probabilities, on the child's first output: prompt tokens 1, 2, … each with
    /// its log-probability and alternatives (the first prompt token has none).
    public var promptLogprobs: [SampledToken]?
    /// The request's structured-output grammar completed with this token: it finished with
    /// ``FinishReason/stop`` on a token of its answer, not on a stop token whose text is left out.
    public var completedConstraint = false

    /// Whether this is the child's last token.
    public var isFinished: Bool { finishReason != nil }
}
