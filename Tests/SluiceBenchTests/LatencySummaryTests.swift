import SluiceBench
import Testing

@Suite("Latency summaries: mean and numpy-style percentiles")
struct LatencySummaryTests {
    @Test("percentiles interpolate linearly between the nearest ranks, as numpy's default does")
    func linearInterpolation() {
        // numpy.percentile([15, 20, 35, 40, 50], q): rank = (n - 1) q / 100.
        let values: [Double] = [15, 20, 35, 40, 50]
        #expect(LatencySummary.percentile(values, 0) == 15)
        #expect(LatencySummary.percentile(values, 50) == 35)
        #expect(abs(LatencySummary.percentile(values, 90) - 46) < 1e-9)   // rank 3.6: 40 + 0.6 × 10
        #expect(abs(LatencySummary.percentile(values, 99) - 49.6) < 1e-9) // rank 3.96: 40 + 0.96 × 10
        #expect(LatencySummary.percentile(values, 100) == 50)
        #expect(abs(LatencySummary.percentile([1, 2, 3, 4], 50) - 2.5) < 1e-9)
        #expect(abs(LatencySummary.percentile([1, 2, 3, 4], 90) - 3.7) < 1e-9)
    }

    @Test("one value is every percentile; no values give zeros")
    func edges() {
        #expect(LatencySummary.percentile([7], 99) == 7)
        #expect(LatencySummary.percentile([], 50) == 0)
        let empty = LatencySummary(seconds: [])
        #expect(empty == LatencySummary(seconds: []))
        #expect(empty.count == 0 && empty.mean == 0 && empty.p99 == 0)
    }

    @Test("a summary sorts its input and reports milliseconds")
    func summaryInMilliseconds() {
        let summary = LatencySummary(seconds: [0.050, 0.015, 0.040, 0.020, 0.035])
        #expect(summary.count == 5)
        #expect(abs(summary.mean - 32) < 1e-9)
        #expect(abs(summary.median - 35) < 1e-9)
        #expect(abs(summary.p90 - 46) < 1e-9)
        #expect(abs(summary.p99 - 49.6) < 1e-9)
    }
}
