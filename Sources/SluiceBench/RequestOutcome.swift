/// What one benchmark request measured, with times in seconds from the moment it was sent.
public struct RequestOutcome: Sendable, Equatable {
    /// Prompt tokens, as the benchmark's tokenizer counted them when building the prompt.
    public var promptTokens: Int
    /// Generated tokens: the server's usage count when it sent one, else the chunks with text.
    public var outputTokens: Int
    /// Time to first token: when the first chunk carrying text arrived.
    public var timeToFirstToken: Double
    /// Inter-token latencies: the gaps between consecutive chunks carrying text.
    public var interTokenLatencies: [Double]
    /// End-to-end latency: when the stream ended.
    public var latency: Double
    /// Why the request failed, or nil when it completed.
    public var error: String?
    /// When it was sent, in seconds from the start of its pass (set by ``LoadGenerator``), for the
    /// pass's ``RequestTimeline``.
    public var sentAt: Double = 0

    /// A completed request whose text arrived at `contentTimes` (seconds since it was sent, in
    /// order) and whose stream ended at `end`. A response without text has its first token at its end.
    public init(promptTokens: Int, outputTokens: Int, contentTimes: [Double], end: Double) {
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        timeToFirstToken = contentTimes.first ?? end
        interTokenLatencies = zip(contentTimes.dropFirst(), contentTimes).map { $0 - $1 }
        latency = end
        error = nil
    }

    /// A failed request: `error` says why; it took `latency` seconds to fail.
    public init(promptTokens: Int, failure error: String, latency: Double) {
        self.promptTokens = promptTokens
        outputTokens = 0
        timeToFirstToken = 0
        interTokenLatencies = []
        self.latency = latency
        self.error = error
    }

    /// Whether the request completed.
    public var succeeded: Bool { error == nil }

    /// Time per output token after the first: (E2E − TTFT) / (output tokens − 1); nil with fewer
    /// than two tokens, where it is undefined.
    public var timePerOutputToken: Double? {
        guard succeeded, outputTokens > 1 else { return nil }
        return (latency - timeToFirstToken) / Double(outputTokens - 1)
    }
}
