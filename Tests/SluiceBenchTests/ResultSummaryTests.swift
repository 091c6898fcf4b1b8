import SluiceBench
import Testing

@Suite("Reducing result files to medians per label and concurrency")
struct ResultSummaryTests {
    @Test("repeated runs reduce to their median; rows keep label order and sort concurrency, unlimited last")
    func medians() {
        let summary = ResultSummary(results: [
            makeResult(label: "llama-server", levels: [(4, 100, 50)]),
            makeResult(label: "sluice", levels: [(nil, 900, 10), (16, 300, 30), (4, 200, 20)]),
            makeResult(label: "llama-server", levels: [(4, 140, 70)]),
            makeResult(label: "llama-server", levels: [(4, 120, 90)]),
        ])
        #expect(summary.labels == ["llama-server", "sluice"])
        #expect(summary.concurrencyLevels == [4, 16, nil])
        #expect(summary.rows.map(\.maxConcurrency) == [4, 4, 16, nil])
        let llama = summary.rows[0]
        #expect(llama.runs == 3)
        #expect(llama.outputThroughput == 120)
        #expect(abs(llama.ttftP50 - 70) < 1e-9)
        #expect(summary.markdownTable.contains("| llama-server | 4 | 3 | 120.0 | 70.0 |"))
        #expect(summary.markdownTable.contains("| sluice | unlimited | 1 | 900.0 |"))
    }
}
