import SluiceBench
import Testing

@Suite("The printed report")
struct ResultReportTests {
    @Test("the report has vLLM's lines and headings, and lists failures when there are some")
    func report() throws {
        var result = makeResult(label: "sluice", levels: [(4, 200, 20)])
        var level = try #require(result.levels.first)
        level.metrics.errors = ["HTTP 429: queue full (×2)"]
        level.prefixCacheHitRate = 0.5
        result.levels = [level]
        let text = ResultReport.render(level, of: result)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "============ Serving Benchmark Result ============")
        #expect(lines.last == String(repeating: "=", count: 50))
        #expect(lines.contains("Maximum request concurrency:             4"))
        #expect(lines.contains("Output token throughput (tok/s):         200.00"))
        #expect(lines.contains("Prefix cache hit rate (%):               50.00"))
        // Centred as Python centres: the odd fill character goes on the right.
        #expect(lines.contains("-------------- Time to First Token ---------------"))
        #expect(lines.contains("Median TTFT (ms):                        20.00"))
        #expect(lines.contains("  HTTP 429: queue full (×2)"))
        for heading in ["Time per Output Token (excl. 1st token)", "Inter-token Latency", "End-to-end Latency"] {
            #expect(text.contains(" \(heading) "))
        }
    }
}
