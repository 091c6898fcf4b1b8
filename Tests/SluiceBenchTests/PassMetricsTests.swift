import SluiceBench
import Testing

@Suite("Pass metrics: throughput, latency summaries and failures")
struct PassMetricsTests {
    func makeOutcome(promptTokens: Int = 10, outputTokens: Int = 3, start: Double = 0.1) -> RequestOutcome {
        RequestOutcome(promptTokens: promptTokens, outputTokens: outputTokens,
                       contentTimes: [start, start + 0.1, start + 0.2], end: start + 0.3)
    }

    @Test("throughputs count completed requests and their tokens over the pass's duration")
    func throughput() {
        let outcomes = [makeOutcome(), makeOutcome(promptTokens: 30, outputTokens: 5),
                        RequestOutcome(promptTokens: 99, failure: "HTTP 429: queue full", latency: 0.01)]
        let metrics = PassMetrics(outcomes: outcomes, duration: 2)
        #expect(metrics.completed == 2)
        #expect(metrics.failed == 1)
        #expect(metrics.totalInputTokens == 40)
        #expect(metrics.totalOutputTokens == 8)
        #expect(metrics.requestThroughput == 1)
        #expect(metrics.outputThroughput == 4)
        #expect(metrics.totalTokenThroughput == 24)
        #expect(metrics.interTokenLatency.count == 4)
        #expect(metrics.timeToFirstToken.count == 2)
        #expect(abs(metrics.timeToFirstToken.mean - 100) < 1e-9)
    }

    @Test("errors keep the first distinct messages with how often each happened")
    func firstErrors() {
        let messages = ["refused", "HTTP 429: full", "refused", "a", "b", "c", "d"]
        let outcomes = messages.map { RequestOutcome(promptTokens: 1, failure: $0, latency: 0) }
        let metrics = PassMetrics(outcomes: outcomes, duration: 1)
        #expect(metrics.completed == 0)
        #expect(metrics.failed == 7)
        #expect(metrics.errors == ["refused (×2)", "HTTP 429: full", "a", "b", "c"])
        #expect(metrics.outputThroughput == 0)
    }
}
