/// What one completion of a request produced since its previous output: the unit a stream
/// yields, as vLLM's `RequestOutput` in delta mode.
///
/// A request with `n > 1` streams the outputs of its completions interleaved, each with its
/// ``index``. The stream ends after every completion has yielded an output with a
/// ``finishReason``.
public struct RequestOutput: Sendable {
    /// The request, as the caller named it.
    public let requestID: RequestID
    /// Which of the request's `n` completions this is, from 0.
    public let index: Int
    /// How many tokens the prompt has.
    public let numPromptTokens: Int
    /// The tokens generated since the previous output.
    public var tokenIDs: [Int]
    /// The text released since the previous output; text that may still become a stop string is
    /// held back.
    public var text: String
    /// For each of ``tokenIDs``, its log-probability and alternatives, when the request asked.
    public var logprobs: [SampledToken]?
    /// How many tokens this completion has generated so far.
    public var numOutputTokens: Int
    /// Why the completion ended; `nil` while it goes on.
    public var finishReason: FinishReason?
    /// The stop string or stop token id that ended it, if one did.
    public var stopReason: StopReason?
    /// Timings and counts, on the completion's last output.
    public var metrics: RequestMetrics?
    /// With ``SamplingParams/promptLogprobs``, on the completion's first output: prompt tokens 1, 2, …
    /// each with its log-probability given the tokens before it and the likeliest alternatives.
    public var promptLogprobs: [SampledToken]?

    /// Whether this is the completion's last output.
    public var isFinished: Bool { finishReason != nil }
}

/// One completion's timings and token counts, for metrics and request logs (vLLM's
/// `RequestStateStats`); times are in seconds.
public struct RequestMetrics: Sendable, Equatable {
    /// From arrival to the first step that ran any of its tokens.
    public var queueTime: Double?
    /// From arrival to the first generated token.
    public var timeToFirstToken: Double?
    /// The gaps between consecutive generated tokens.
    public var interTokenLatencies: [Double] = []
    /// From arrival to the last token.
    public var e2eLatency: Double = 0
    public var numPromptTokens: Int = 0
    public var numGenerationTokens: Int = 0
    /// Prompt tokens found in the prefix cache at admission.
    public var numCachedTokens: Int = 0
    /// Times it was preempted by recompute.
    public var numPreemptions: Int = 0
}
