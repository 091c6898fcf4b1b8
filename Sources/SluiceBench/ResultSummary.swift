import Foundation

/// Result files reduced to one row per engine label and concurrency level: the median of each
/// figure over the runs that measured it, so that repetitions of A B A B runs give one number.
public struct ResultSummary: Sendable {
    /// One label's figures at one concurrency level.
    public struct Row: Sendable, Equatable {
        public var label: String
        /// nil for a pass without a concurrency limit.
        public var maxConcurrency: Int?
        public var runs: Int
        public var outputThroughput: Double
        public var ttftP50: Double
        public var ttftP99: Double
        public var itlP50: Double
        public var itlP99: Double
        public var failed: Int
        /// The median prefix-cache hit rate of the runs whose server reported one.
        public var prefixCacheHitRate: Double?
    }

    /// Rows grouped by label in the order labels first appear, each label's rows by concurrency
    /// (unlimited last).
    public let rows: [Row]

    /// One pass's requests over time; several runs of a level cannot be reduced to a median
    /// timeline, so each label and level keeps its first run's.
    public struct Timeline: Sendable, Equatable {
        public var label: String
        public var maxConcurrency: Int?
        public var points: [TimelinePoint]
    }

    /// The timelines of the rows that have one, in row order.
    public let timelines: [Timeline]

    public init(results: [BenchmarkResult]) {
        var labels: [String] = []
        var passes: [String: [Int?: [LevelResult]]] = [:]
        for result in results {
            if passes[result.label] == nil { labels.append(result.label) }
            for level in result.levels {
                passes[result.label, default: [:]][level.maxConcurrency, default: []].append(level)
            }
        }
        rows = labels.flatMap { label in
            let byLevel = passes[label] ?? [:]
            return byLevel.keys.sorted(by: Self.concurrencyOrder).map { concurrency in
                let levels = byLevel[concurrency] ?? []
                func median(_ value: (PassMetrics) -> Double) -> Double {
                    LatencySummary.percentile(levels.map { value($0.metrics) }.sorted(), 50)
                }
                return Row(label: label, maxConcurrency: concurrency, runs: levels.count,
                           outputThroughput: median(\.outputThroughput),
                           ttftP50: median(\.timeToFirstToken.median), ttftP99: median(\.timeToFirstToken.p99),
                           itlP50: median(\.interTokenLatency.median), itlP99: median(\.interTokenLatency.p99),
                           failed: levels.reduce(0) { $0 + $1.metrics.failed },
                           prefixCacheHitRate: Self.median(levels.compactMap(\.prefixCacheHitRate)))
            }
        }
        timelines = rows.compactMap { row in
            let first = passes[row.label]?[row.maxConcurrency]?.first { $0.timeline?.isEmpty == false }
            return first?.timeline.map { Timeline(label: row.label, maxConcurrency: row.maxConcurrency, points: $0) }
        }
    }

    /// The labels, in order of first appearance.
    public var labels: [String] {
        rows.reduce(into: [String]()) { if !$0.contains($1.label) { $0.append($1.label) } }
    }

    /// Every concurrency level any label measured, ascending, unlimited last.
    public var concurrencyLevels: [Int?] {
        Array(Set(rows.map(\.maxConcurrency))).sorted(by: Self.concurrencyOrder)
    }

    private static func median(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : LatencySummary.percentile(values.sorted(), 50)
    }

    /// Ascending, with nil (no limit) after every number.
    static func concurrencyOrder(_ a: Int?, _ b: Int?) -> Bool {
        (a ?? .max) < (b ?? .max)
    }

    /// A Markdown table of the rows, for BENCHMARKS.md.
    public var markdownTable: String {
        var lines = [
            "| engine | concurrency | runs | output tok/s | TTFT p50 (ms) | TTFT p99 (ms) | ITL p50 (ms) | ITL p99 (ms) "
                + "| failed | prefix hits |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for row in rows {
            let cells = [row.label, row.maxConcurrency.map(String.init) ?? "unlimited", String(row.runs),
                         format(row.outputThroughput), format(row.ttftP50), format(row.ttftP99), format(row.itlP50),
                         format(row.itlP99), String(row.failed),
                         row.prefixCacheHitRate.map { format($0 * 100) + "%" } ?? "-"]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// One decimal: enough for tok/s and ms, and short enough to read in a table.
    private func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
