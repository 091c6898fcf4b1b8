import Foundation

/// The text block a pass prints, laid out as vLLM's "Serving Benchmark Result" so the two read alike.
public enum ResultReport {
    /// The report of `level` from the run `result`.
    public static func render(_ level: LevelResult, of result: BenchmarkResult) -> String {
        let metrics = level.metrics
        var lines = [heading("Serving Benchmark Result", fill: "=")]
        lines.append(row("Backend:", result.label))
        lines.append(row("Endpoint:", result.endpoint.path))
        lines.append(row("Dataset:", result.dataset.rawValue))
        lines.append(row("Traffic request rate:", result.requestRate.isFinite ? format(result.requestRate) : "inf"))
        lines.append(row("Maximum request concurrency:", level.maxConcurrency.map(String.init) ?? "unlimited"))
        lines.append(row("Successful requests:", String(metrics.completed)))
        lines.append(row("Failed requests:", String(metrics.failed)))
        lines.append(row("Benchmark duration (s):", format(metrics.duration)))
        lines.append(row("Total input tokens:", String(metrics.totalInputTokens)))
        lines.append(row("Total generated tokens:", String(metrics.totalOutputTokens)))
        lines.append(row("Request throughput (req/s):", format(metrics.requestThroughput)))
        lines.append(row("Output token throughput (tok/s):", format(metrics.outputThroughput)))
        lines.append(row("Total token throughput (tok/s):", format(metrics.totalTokenThroughput)))
        if let hitRate = level.prefixCacheHitRate {
            lines.append(row("Prefix cache hit rate (%):", format(hitRate * 100)))
        }
        if let drafts = level.specDecodeDraftTokens, let rate = level.specDecodeAcceptanceRate {
            lines.append(row("Draft tokens verified:", String(drafts)))
            lines.append(row("Draft acceptance rate (%):", format(rate * 100)))
        }
        lines += section("Time to First Token", "TTFT", metrics.timeToFirstToken)
        lines += section("Time per Output Token (excl. 1st token)", "TPOT", metrics.timePerOutputToken)
        lines += section("Inter-token Latency", "ITL", metrics.interTokenLatency)
        lines += section("End-to-end Latency", "E2EL", metrics.endToEndLatency)
        if let timeline = level.timeline, !timeline.isEmpty {
            lines.append(heading("Requests over time (client's view)", fill: "-"))
            lines.append(row("Peak running (streaming):", String(timeline.map(\.running).max() ?? 0)))
            lines.append(row("Peak waiting (before first token):", String(timeline.map(\.waiting).max() ?? 0)))
        }
        if !metrics.errors.isEmpty {
            lines.append(heading("First errors", fill: "-"))
            lines += metrics.errors.map { "  \($0)" }
        }
        lines.append(String(repeating: "=", count: width))
        return lines.joined(separator: "\n")
    }

    private static let width = 50

    private static func section(_ title: String, _ short: String, _ summary: LatencySummary) -> [String] {
        [
            heading(title, fill: "-"),
            row("Mean \(short) (ms):", format(summary.mean)),
            row("Median \(short) (ms):", format(summary.median)),
            row("P90 \(short) (ms):", format(summary.p90)),
            row("P99 \(short) (ms):", format(summary.p99)),
        ]
    }

    private static func heading(_ title: String, fill: Character) -> String {
        let title = " \(title) "
        let padding = max(0, width - title.count)
        let left = padding / 2
        return String(repeating: fill, count: left) + title + String(repeating: fill, count: padding - left)
    }

    private static func row(_ label: String, _ value: String) -> String {
        label.padding(toLength: max(label.count, 40), withPad: " ", startingAt: 0) + " " + value
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
