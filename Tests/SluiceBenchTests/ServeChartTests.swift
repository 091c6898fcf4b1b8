@testable import SluiceBench
import Testing

@Suite("The SVG chart")
struct ServeChartTests {
    @Test("one series per label in both panels, escaped, in a well-formed SVG document")
    func chart() {
        let summary = ResultSummary(results: [
            makeResult(label: "sluice <new>", levels: [(1, 50, 10), (4, 150, 30)]),
            makeResult(label: "llama-server", levels: [(1, 40, 12), (4, 90, 60)]),
        ])
        let svg = ServeChart.svg(summary, title: "ShareGPT & friends")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("ShareGPT &amp; friends"))
        #expect(svg.contains("sluice &lt;new&gt;"))
        #expect(!svg.contains("<new>"))
        // Per label: one throughput line, TTFT p50 and p99 lines.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 6)
        #expect(svg.components(separatedBy: "stroke-dasharray").count - 1 == 2)
        #expect(svg.components(separatedBy: "<svg").count == 2)
    }

    @Test("axis tops are 1, 2 or 5 times a power of ten steps above the highest value",
          arguments: [(0.0, 1.0, 5.0), (7.0, 2.0, 8.0), (230.0, 50.0, 250.0), (1000.0, 200.0, 1000.0), (0.3, 0.1, 0.3)])
    func niceScale(highest: Double, step: Double, top: Double) {
        let scale = ServeChart.niceScale(highest)
        #expect(abs(scale.step - step) < 1e-9)
        #expect(abs(scale.top - top) < 1e-9)
    }
}
