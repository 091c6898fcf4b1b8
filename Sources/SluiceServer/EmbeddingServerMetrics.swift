import Prometheus
import SluiceEngine

/// An embedding model's `/metrics`, under the names vLLM exports for its pooling models (so the same
/// routers and dashboards read them): requests waiting and running (inputs queued for a pass, and in
/// the pass on the model), prompt tokens, successful requests (`finished_reason="stop"`, as vLLM marks a
/// finished pooling request), end-to-end latency with vLLM's buckets; plus Sluice's count of encoder
/// passes, which shows how requests from different clients share them.
final class EmbeddingServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let numRequestsRunning: Gauge
    private let numRequestsWaiting: Gauge
    private let promptTokens: Counter
    private let requestSuccess: Counter
    private let e2eRequestLatency: ValueHistogram
    private let passes: Counter
    private let lastPasses = Locked(0)

    init(modelName: String, prefix: String = ServerMetrics.vllmPrefix) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        let labels = [("model_name", modelName), ("engine", "0")]
        func name(_ base: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: "\(prefix):\(base)", unitName: unit, helpText: help)
        }
        numRequestsRunning = registry.makeGauge(
            descriptor: name("num_requests_running", "", "Number of inputs in the encoder pass running now."), labels: labels)
        numRequestsWaiting = registry.makeGauge(
            descriptor: name("num_requests_waiting", "", "Number of inputs waiting for an encoder pass."), labels: labels)
        promptTokens = registry.makeCounter(
            descriptor: name("prompt_tokens", "total", "Number of prefill tokens processed."), labels: labels)
        requestSuccess = registry.makeCounter(
            descriptor: name("request_success", "total", "Count of successfully processed requests."),
            labels: labels + [("finished_reason", "stop")])
        e2eRequestLatency = registry.makeValueHistogram(
            descriptor: name("e2e_request_latency", "seconds", "Histogram of e2e request latency in seconds."), labels: labels,
            buckets: [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680])
        passes = registry.makeCounter(
            descriptor: name("embedding_passes", "total", "Encoder passes run (inputs of all requests packed together)."),
            labels: labels)
    }

    /// Brings the gauges and the pass counter up to the engine's state, before a scrape.
    func refresh(from engine: EmbeddingEngine) {
        let queue = engine.queueState
        numRequestsRunning.set(Double(queue.running))
        numRequestsWaiting.set(Double(queue.waiting))
        let total = engine.passCount
        let added = lastPasses.withLock { last -> Int in
            defer { last = max(last, total) }
            return max(0, total - last)
        }
        if added > 0 { passes.increment(by: Int64(added)) }
    }

    /// One request answered: its tokens and its time from arrival to the response.
    func recordSuccess(promptTokens tokens: Int, seconds: Double) {
        promptTokens.increment(by: Int64(tokens))
        requestSuccess.increment()
        e2eRequestLatency.record(seconds)
    }

    func exposition() -> String { registry.emitToString() }
}
