import SluiceBench

/// A result file's contents with one level per (concurrency, output tok/s, TTFT p50) triple.
func makeResult(label: String, levels: [(Int?, Double, Double)]) -> BenchmarkResult {
    BenchmarkResult(
        label: label, date: "2026-01-01T00:00:00Z", baseURL: "http://h:1", model: "m", endpoint: .completions,
        dataset: .sharegpt, numPrompts: 2, requestRate: .infinity, burstiness: 1, seed: 0, ignoreEOS: true,
        numWarmups: 0, maxOutputTokens: 128, randomInputLength: nil, randomOutputLength: nil, prefixLength: nil,
        levels: levels.map { concurrency, throughput, ttft in
            // Two requests of `throughput` tokens each over a 2 s pass: output tok/s = throughput.
            let outcomes = (0..<2).map { _ in
                RequestOutcome(promptTokens: 1, outputTokens: Int(throughput), contentTimes: [ttft / 1000], end: 1)
            }
            return LevelResult(maxConcurrency: concurrency, metrics: PassMetrics(outcomes: outcomes, duration: 2),
                               prefixCacheHitRate: nil, requests: nil)
        })
}

