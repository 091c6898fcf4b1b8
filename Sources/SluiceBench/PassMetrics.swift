/// The aggregate figures of one pass, as vLLM's "Serving Benchmark Result" reports them.
public struct PassMetrics: Codable, Sendable, Equatable {
    public var completed: Int
    public var failed: Int
    /// Seconds from the first request sent to the last one finished.
    public var duration: Double
    public var totalInputTokens: Int
    public var totalOutputTokens: Int
    public var requestThroughput: Double
    public var outputThroughput: Double
    public var totalTokenThroughput: Double
    public var timeToFirstToken: LatencySummary
    public var timePerOutputToken: LatencySummary
    public var interTokenLatency: LatencySummary
    public var endToEndLatency: LatencySummary
    /// The first few distinct failure messages, each with how many requests failed with it.
    public var errors: [String]

    /// How many distinct failure messages a pass keeps.
    public static let keptErrors = 5

    /// Aggregates `outcomes` over a pass that lasted `duration` seconds; failed requests count
    /// only in `failed` and `errors`, as in vLLM.
    public init(outcomes: [RequestOutcome], duration: Double) {
        let done = outcomes.filter(\.succeeded)
        completed = done.count
        failed = outcomes.count - done.count
        self.duration = duration
        totalInputTokens = done.reduce(0) { $0 + $1.promptTokens }
        totalOutputTokens = done.reduce(0) { $0 + $1.outputTokens }
        let perSecond = duration > 0 ? 1 / duration : 0
        requestThroughput = Double(completed) * perSecond
        outputThroughput = Double(totalOutputTokens) * perSecond
        totalTokenThroughput = Double(totalInputTokens + totalOutputTokens) * perSecond
        timeToFirstToken = LatencySummary(seconds: done.map(\.timeToFirstToken))
        timePerOutputToken = LatencySummary(seconds: done.compactMap(\.timePerOutputToken))
        interTokenLatency = LatencySummary(seconds: done.flatMap(\.interTokenLatencies))
        endToEndLatency = LatencySummary(seconds: done.map(\.latency))
        errors = Self.firstErrors(outcomes.compactMap(\.error))
    }

    /// The first `keptErrors` distinct messages in order of first appearance, with their counts.
    static func firstErrors(_ messages: [String]) -> [String] {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for message in messages {
            if counts[message] == nil { order.append(message) }
            counts[message, default: 0] += 1
        }
        return order.prefix(keptErrors).map { counts[$0, default: 1] == 1 ? $0 : "\($0) (×\(counts[$0, default: 1]))" }
    }

    enum CodingKeys: String, CodingKey {
        case completed, failed, errors
        case duration = "duration_s"
        case totalInputTokens = "total_input_tokens"
        case totalOutputTokens = "total_output_tokens"
        case requestThroughput = "request_throughput"
        case outputThroughput = "output_throughput"
        case totalTokenThroughput = "total_token_throughput"
        case timeToFirstToken = "ttft_ms"
        case timePerOutputToken = "tpot_ms"
        case interTokenLatency = "itl_ms"
        case endToEndLatency = "e2el_ms"
    }
}
