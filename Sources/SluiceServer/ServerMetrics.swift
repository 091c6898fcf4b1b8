import Prometheus
import SluiceEngine

/// The server's Prometheus metrics under vLLM's exact names (`vllm:` by default, so that routers
/// and dashboards built for vLLM read them unchanged: SMG and the Gateway API Inference Extension
/// take load from `vllm:num_requests_waiting` and `vllm:kv_cache_usage_perc`), with vLLM's
/// `model_name` and `engine` labels and buckets, in a registry this server owns (never the
/// process-wide one), so that several servers can live in one process. Sluice's own step metrics
/// keep their names under the same prefix.
///
/// Gauges and the engine's own counters (preemptions, prefix cache) are brought up to date from
/// ``Engine/stats`` when `/metrics` is scraped; token counters and latency histograms are fed by
/// the handlers from each completion's final ``RequestMetrics``; step histograms are fed by the
/// engine's output thread after every step (``Engine/observeSteps(_:)``).
final class ServerMetrics: Sendable {
    /// The registry `/metrics` renders.
    let registry: PrometheusCollectorRegistry

    private let numRequestsRunning: Gauge
    private let numRequestsWaiting: Gauge
    private let kvCacheUsage: Gauge
    private let promptTokens: Counter
    private let generationTokens: Counter
    private let requestSuccess: [FinishReason: Counter]
    private let numPreemptions: Counter
    private let prefixCacheQueries: Counter
    private let prefixCacheHits: Counter
    private let timeToFirstToken: ValueHistogram
    private let interTokenLatency: ValueHistogram
    private let e2eRequestLatency: ValueHistogram
    private let requestQueueTime: ValueHistogram
    private let iterationTokens: ValueHistogram
    private let stepTime: ValueHistogram
    private let stepPredictedTime: ValueHistogram
    private let lastStepTime: Gauge
    private let lastStepPredictedTime: Gauge
    private let stepCostCorrection: Gauge
    private let specDecodeNumDrafts: Counter
    private let specDecodeNumDraftTokens: Counter
    private let specDecodeNumAcceptedTokens: Counter
    /// `…_num_accepted_tokens_per_pos`, one counter per draft position, made as positions appear.
    private let specDecodeAcceptedPerPosition: Locked<[Counter]>
    private let makeAcceptedPerPosition: @Sendable (Int) -> Counter
    /// The highest engine counters seen, to add only what goes past them.
    private let lastStats: Locked<EngineStats>

    /// The prefix vLLM's metrics carry, and the default.
    static let vllmPrefix = "vllm"

    /// Registers every metric at zero; `stats` is the engine's state now, `config` its limits for
    /// `cache_config_info`, `prefix` what goes before the `:` of every name.
    init(modelName: String, stats: EngineStats, config: SchedulerConfig, kvCacheDType: String = "auto",
         prefix: String = ServerMetrics.vllmPrefix) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        // vLLM labels every series with the engine core's index; Sluice runs one engine per server.
        let labels = [("model_name", modelName), ("engine", "0")]
        // The descriptor joins its parts with "_"; the whole prefixed name goes in `metricName`
        // because Prometheus allows ':' in names (swift-prometheus checks it) and vLLM uses it.
        func name(_ base: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: "\(prefix):\(base)", unitName: unit, helpText: help)
        }
        func gauge(_ base: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: name(base, "", help), labels: labels)
        }
        func counter(_ base: String, _ help: String, _ extra: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: name(base, "total", help), labels: labels + extra)
        }
        func histogram(_ base: String, _ buckets: [Double], _ help: String, unit: String = "seconds") -> ValueHistogram {
            registry.makeValueHistogram(descriptor: name(base, unit, help), labels: labels, buckets: buckets)
        }
        numRequestsRunning = gauge("num_requests_running", "Number of requests in model execution batches.")
        numRequestsWaiting = gauge("num_requests_waiting", "Number of requests waiting to be processed.")
        kvCacheUsage = gauge("kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.")
        promptTokens = counter("prompt_tokens", "Number of prefill tokens processed.")
        generationTokens = counter("generation_tokens", "Number of generation tokens processed.")
        var success: [FinishReason: Counter] = [:]
        for reason in [FinishReason.stop, .length, .abort] {
            success[reason] = counter("request_success", "Count of successfully processed requests.",
                                      [("finished_reason", reason.rawValue)])
        }
        requestSuccess = success
        numPreemptions = counter("num_preemptions", "Cumulative number of preemption from the engine.")
        prefixCacheQueries = counter("prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.")
        prefixCacheHits = counter("prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.")
        specDecodeNumDrafts = counter("spec_decode_num_drafts", "Number of spec decoding drafts.")
        specDecodeNumDraftTokens = counter("spec_decode_num_draft_tokens", "Number of draft tokens.")
        specDecodeNumAcceptedTokens = counter("spec_decode_num_accepted_tokens", "Number of accepted tokens.")
        specDecodeAcceptedPerPosition = Locked([])
        let perPositionLabels = labels
        makeAcceptedPerPosition = { position in
            registry.makeCounter(
                descriptor: MetricNameDescriptor(metricName: "\(prefix):spec_decode_num_accepted_tokens_per_pos",
                                                 unitName: "total", helpText: "Accepted tokens per draft position."),
                labels: perPositionLabels + [("position", String(position))])
        }
        // vLLM's buckets, so dashboards built for vLLM read the same.
        timeToFirstToken = histogram("time_to_first_token", [
            0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560,
        ], "Histogram of time to first token in seconds.")
        interTokenLatency = histogram("inter_token_latency", [
            0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
        ], "Histogram of inter-token latency in seconds.")
        let requestBuckets: [Double] = [
            0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
        ]
        e2eRequestLatency = histogram("e2e_request_latency", requestBuckets,
                                      "Histogram of e2e request latency in seconds.")
        requestQueueTime = histogram("request_queue_time", requestBuckets,
                                     "Histogram of time spent in WAITING phase for request.")
        // vLLM's name and buckets for tokens per step; the step times are Sluice's own, as vLLM
        // v1 has no per-step time metric, and its scheduler plans by tokens only.
        iterationTokens = histogram("iteration_tokens", [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
                                    "Histogram of number of tokens per engine_step.", unit: "total")
        let stepBuckets: [Double] = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 20, 40,
        ]
        stepTime = histogram("step_time", stepBuckets,
                             "Histogram of measured engine step time (forward pass and sampling) in seconds.")
        stepPredictedTime = histogram("step_predicted_time", stepBuckets,
                                      "Histogram of the scheduler's predicted engine step time in seconds.")
        lastStepTime = gauge("last_step_time_seconds", "Measured time of the last engine step in seconds.")
        lastStepPredictedTime = gauge("last_step_predicted_time_seconds",
                                      "The scheduler's predicted time of the last engine step in seconds.")
        stepCostCorrection = gauge("step_cost_correction",
                                   "Online correction of the step cost model: measured over calibrated step time.")
        // vLLM's info-style gauge, set to 1 once, its labels the cache configuration (vLLM writes
        // every `CacheConfig` field; these are the ones Sluice has, `num_gpu_blocks` counting
        // the usable blocks as vLLM's does). The Gateway API Inference Extension reads
        // `block_size` and `num_gpu_blocks` from it.
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "\(prefix):cache_config_info", unitName: "",
                                             helpText: "Information of the LLMEngine CacheConfig"),
            labels: [
                ("block_size", String(config.blockSize)), ("cache_dtype", kvCacheDType),
                ("enable_prefix_caching", config.enablePrefixCaching ? "True" : "False"),
                ("num_cpu_blocks", "None"), ("num_gpu_blocks", String(config.kvCapacity.numUsableBlocks)),
                ("engine", "0"),
            ]).set(1.0)
        lastStats = Locked(stats)
        refresh(from: stats)
    }

    /// Brings gauges and engine counters up to `stats`.
    func refresh(from stats: EngineStats) {
        numRequestsRunning.set(Double(stats.numRunning))
        numRequestsWaiting.set(Double(stats.numWaiting))
        kvCacheUsage.set(stats.kvCacheUsage)
        if let time = stats.lastStepTime { lastStepTime.set(time) }
        if let time = stats.lastPredictedStepTime { lastStepPredictedTime.set(time) }
        if let correction = stats.stepCostCorrection { stepCostCorrection.set(correction) }
        // Two scrapes may race with stats read in either order: counting only what goes past the
        // highest value seen keeps every increment counted once.
        let (preemptions, queries, hits) = lastStats.withLock { last in
            defer {
                last.numPreemptions = max(last.numPreemptions, stats.numPreemptions)
                last.prefixCacheQueries = max(last.prefixCacheQueries, stats.prefixCacheQueries)
                last.prefixCacheHits = max(last.prefixCacheHits, stats.prefixCacheHits)
            }
            return (stats.numPreemptions - last.numPreemptions, stats.prefixCacheQueries - last.prefixCacheQueries,
                    stats.prefixCacheHits - last.prefixCacheHits)
        }
        add(preemptions, to: numPreemptions)
        add(queries, to: prefixCacheQueries)
        add(hits, to: prefixCacheHits)
        refreshSpecDecode(from: stats.specDecode)
    }

    /// Brings the speculative-decoding counters up to `stats`, as ``refresh(from:)`` does the others.
    private func refreshSpecDecode(from stats: SpecDecodeStats) {
        let delta = lastStats.withLock { last -> SpecDecodeStats in
            var delta = SpecDecodeStats()
            let seen = last.specDecode
            delta.numDrafts = max(0, stats.numDrafts - seen.numDrafts)
            delta.numDraftTokens = max(0, stats.numDraftTokens - seen.numDraftTokens)
            delta.numAcceptedTokens = max(0, stats.numAcceptedTokens - seen.numAcceptedTokens)
            delta.numAcceptedTokensPerPosition = stats.numAcceptedTokensPerPosition.enumerated().map { position, count in
                max(0, count - (position < seen.numAcceptedTokensPerPosition.count ? seen.numAcceptedTokensPerPosition[position] : 0))
            }
            if stats.numDraftTokens >= seen.numDraftTokens { last.specDecode = stats }
            return delta
        }
        add(delta.numDrafts, to: specDecodeNumDrafts)
        add(delta.numDraftTokens, to: specDecodeNumDraftTokens)
        add(delta.numAcceptedTokens, to: specDecodeNumAcceptedTokens)
        let counters = specDecodeAcceptedPerPosition.withLock { counters in
            while counters.count < delta.numAcceptedTokensPerPosition.count { counters.append(makeAcceptedPerPosition(counters.count)) }
            return counters
        }
        for (position, amount) in delta.numAcceptedTokensPerPosition.enumerated() { add(amount, to: counters[position]) }
    }

    /// Records one finished completion: its tokens, finish reason and latencies.
    func recordCompletion(finishReason: FinishReason, numGenerationTokens: Int, metrics: RequestMetrics?) {
        requestSuccess[finishReason]?.increment()
        add(numGenerationTokens, to: generationTokens)
        guard let metrics else { return }
        if let ttft = metrics.timeToFirstToken { timeToFirstToken.record(ttft) }
        for latency in metrics.interTokenLatencies { interTokenLatency.record(latency) }
        e2eRequestLatency.record(metrics.e2eLatency)
        if let queueTime = metrics.queueTime { requestQueueTime.record(queueTime) }
    }

    /// Records one engine step; called on the engine's output thread, so it only takes the histograms' locks.
    func recordStep(_ step: StepRecord) {
        iterationTokens.record(Double(step.numTokens))
        stepTime.record(step.time)
        if let predicted = step.predictedTime { stepPredictedTime.record(predicted) }
    }

    /// Records the prompt tokens of one request that reached the engine.
    func recordPromptTokens(_ count: Int) {
        add(count, to: promptTokens)
    }

    /// Every metric in Prometheus' text format.
    func exposition() -> String {
        registry.emitToString()
    }

    private func add(_ amount: Int, to counter: Counter) {
        if amount > 0 { counter.increment(by: Int64(amount)) }
    }
}
