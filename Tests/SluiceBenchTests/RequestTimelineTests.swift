import Foundation
@testable import SluiceBench
import Testing

@Suite("Requests over time: waiting before the first token, running until the end")
struct RequestTimelineTests {
    /// A request sent at `sent` s whose first token came `ttft` s later and which ended `end` s after it was sent.
    static func outcome(sent: Double, ttft: Double, end: Double) -> RequestOutcome {
        var outcome = RequestOutcome(promptTokens: 1, outputTokens: 2, contentTimes: [ttft, end], end: end)
        outcome.sentAt = sent
        return outcome
    }

    @Test("each second counts, at its middle, the requests waiting for their first token and those streaming")
    func perSecond() {
        let outcomes = [
            Self.outcome(sent: 0, ttft: 1.6, end: 3.8),  // waiting in seconds 0 and 1, running in 2 and 3
            Self.outcome(sent: 0.2, ttft: 0.2, end: 1.0),  // running in second 0
            Self.outcome(sent: 2.7, ttft: 1.0, end: 2.0),  // waiting in second 3, running in 4
        ]
        let timeline = RequestTimeline.perSecond(outcomes, duration: 4.6)
        #expect(timeline.map(\.second) == [0, 1, 2, 3, 4])
        #expect(timeline.map(\.waiting) == [1, 1, 0, 1, 0])
        #expect(timeline.map(\.running) == [1, 0, 1, 1, 1])
    }

    @Test("a failed request counts as waiting until it failed")
    func failed() {
        var failure = RequestOutcome(promptTokens: 1, failure: "HTTP 500", latency: 1.5)
        failure.sentAt = 0
        let timeline = RequestTimeline.perSecond([failure], duration: 2)
        #expect(timeline.map(\.waiting) == [1, 0])
        #expect(timeline.map(\.running) == [0, 0])
    }

    @Test("the timeline is saved in the result file and drawn as one panel per level, running solid and waiting dashed")
    func savedAndDrawn() throws {
        var result = makeResult(label: "sluice", levels: [(1, 50, 10), (4, 150, 30)])
        let outcomes = [Self.outcome(sent: 0, ttft: 0.5, end: 2.2)]
        for index in result.levels.indices {
            result.levels[index].timeline = RequestTimeline.perSecond(outcomes, duration: 2.5)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("timeline-\(UUID()).json").path
        try result.write(to: path)
        let read = try BenchmarkResult.read(from: path)
        #expect(read.levels[0].timeline == result.levels[0].timeline)
        let summary = ResultSummary(results: [read])
        #expect(summary.timelines.count == 2)
        let svg = ServeChart.svg(summary, title: "t")
        #expect(svg.contains("Requests at concurrency 1") && svg.contains("Requests at concurrency 4"))
        // Three lines of the concurrency panels, then per level a running and a waiting line.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3 + 4)
        #expect(svg.contains("height=\"\(ServeChart.height + ServeChart.timelineHeight)\""))
        let report = ResultReport.render(read.levels[0], of: read)
        #expect(report.contains("Peak running"))
        #expect(report.contains("P99 ITL (ms):"))
    }

    @Test("the load generator stamps when each request was sent, from the start of the pass")
    func sentAt() async {
        let generator = LoadGenerator(maxConcurrency: 1, arrivals: ArrivalSchedule(
            count: 3, requestRate: .infinity, burstiness: 1, seed: 0))
        let prompts = (0..<3).map { BenchPrompt(prompt: "p\($0)", promptTokens: 1, outputTokens: 1) }
        let (outcomes, _) = await generator.run(prompts: prompts) { _ in
            try? await Task.sleep(for: .milliseconds(20))
            return RequestOutcome(promptTokens: 1, outputTokens: 1, contentTimes: [0.02], end: 0.02)
        }
        let sent = outcomes.map(\.sentAt)
        #expect(sent[0] >= 0 && sent[1] > sent[0] && sent[2] > sent[1], "one at a time, each after the previous")
    }
}
