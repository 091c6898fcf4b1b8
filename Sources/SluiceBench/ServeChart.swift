import Foundation

/// A hand-written SVG chart of serving results, two panels against concurrency: output tok/s,
/// and TTFT p50 (solid) and p99 (dashed, hollow markers) in ms, one colour per engine label. The x axis is
/// categorical, one evenly spaced slot per concurrency level, which reads like a log axis for
/// levels such as 1, 4, 16, 64. Below them, when the results carry timelines, one panel per
/// concurrency level shows the requests running (solid) and waiting (dashed) at each second of
/// the pass (``RequestTimeline``), up to four panels a row.
public enum ServeChart {
    /// The SVG document for `summary`.
    public static func svg(_ summary: ResultSummary, title: String) -> String {
        let levels = summary.concurrencyLevels
        let labels = summary.labels
        var body: [String] = []
        body.append(text(x: Double(width) / 2, y: 26, escape(title), size: 18, anchor: "middle", weight: "bold"))
        body += legend(labels)
        let throughput = labels.map { label in
            (label, [summary.rows.filter { $0.label == label }.map { ($0.maxConcurrency, $0.outputThroughput) }])
        }
        body += panel(origin: 0, title: "Output throughput", yTitle: "output tok/s", levels: levels,
                      series: throughput, labels: labels)
        let latency = labels.map { label in
            let rows = summary.rows.filter { $0.label == label }
            return (label, [rows.map { ($0.maxConcurrency, $0.ttftP50) }, rows.map { ($0.maxConcurrency, $0.ttftP99) }])
        }
        body += panel(origin: Double(width) / 2, title: "Time to first token (p50 solid, p99 dashed and hollow)",
                      yTitle: "TTFT (ms)", levels: levels, series: latency, labels: labels)
        let timelineLevels = levels.filter { level in summary.timelines.contains { $0.maxConcurrency == level } }
        for (slot, level) in timelineLevels.enumerated() {
            let perRow = min(timelineLevels.count, timelinePanelsPerRow)
            let panelWidth = Double(width) / Double(perRow)
            body += timelinePanel(
                left: Double(slot % perRow) * panelWidth, top: Double(height + (slot / perRow) * timelineHeight),
                width: panelWidth, level: level, timelines: summary.timelines.filter { $0.maxConcurrency == level },
                labels: labels)
        }
        let rows = (timelineLevels.count + timelinePanelsPerRow - 1) / timelinePanelsPerRow
        let totalHeight = height + rows * timelineHeight
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(totalHeight)" viewBox="0 0 \(width) \(totalHeight)" \
            font-family="Helvetica, Arial, sans-serif">
            <title>\(escape(title))</title>
            <rect width="\(width)" height="\(totalHeight)" fill="white"/>
            \(body.joined(separator: "\n"))
            </svg>

            """
    }

    static let width = 1000
    /// The height of the two concurrency panels; each row of timeline panels adds ``timelineHeight``.
    static let height = 460
    static let timelineHeight = 300
    static let timelinePanelsPerRow = 4
    private static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    /// The plot area inside each half of the chart.
    private static let plotLeft = 80.0, plotRight = 30.0, plotTop = 90.0, plotBottom = 60.0

    private static func color(_ label: String, in labels: [String]) -> String {
        palette[(labels.firstIndex(of: label) ?? 0) % palette.count]
    }

    private static func legend(_ labels: [String]) -> [String] {
        var items: [String] = []
        var x = 80.0
        for label in labels {
            let colour = color(label, in: labels)
            items.append(#"<line x1="\#(x)" y1="50" x2="\#(x + 24)" y2="50" stroke="\#(colour)" stroke-width="3"/>"#)
            items.append(text(x: x + 30, y: 55, escape(label), size: 14, anchor: "start"))
            x += 50 + Double(label.count) * 8
        }
        return items
    }

    /// One panel: axes, grid, ticks, and per label one or more lines (the first solid, the rest dashed).
    private static func panel(origin: Double, title: String, yTitle: String, levels: [Int?],
                              series: [(String, [[(Int?, Double)]])], labels: [String]) -> [String] {
        let left = origin + plotLeft
        let right = origin + Double(width) / 2 - plotRight
        let top = plotTop
        let bottom = Double(height) - plotBottom
        let highest = series.flatMap { $0.1.flatMap { $0.map(\.1) } }.max() ?? 0
        let (step, axisTop) = niceScale(highest)
        var items = [text(x: (left + right) / 2, y: top - 14, escape(title), size: 14, anchor: "middle", weight: "bold")]
        func y(_ value: Double) -> Double { bottom - (bottom - top) * value / axisTop }
        func x(_ level: Int?) -> Double {
            let slot = (right - left) / Double(max(levels.count, 1))
            return left + slot * (Double(levels.firstIndex(of: level) ?? 0) + 0.5)
        }
        var tick = 0.0
        while tick <= axisTop + step / 2 {
            items.append(#"<line x1="\#(left)" y1="\#(y(tick))" x2="\#(right)" y2="\#(y(tick))" stroke="gainsboro"/>"#)
            items.append(text(x: left - 8, y: y(tick) + 4, number(tick), size: 12, anchor: "end"))
            tick += step
        }
        items.append(#"<line x1="\#(left)" y1="\#(bottom)" x2="\#(right)" y2="\#(bottom)" stroke="black"/>"#)
        items.append(#"<line x1="\#(left)" y1="\#(top)" x2="\#(left)" y2="\#(bottom)" stroke="black"/>"#)
        for level in levels {
            items.append(text(x: x(level), y: bottom + 20, level.map(String.init) ?? "∞", size: 12, anchor: "middle"))
        }
        items.append(text(x: (left + right) / 2, y: bottom + 44, "max concurrency", size: 13, anchor: "middle"))
        items.append(#"<text x="\#(origin + 22)" y="\#((top + bottom) / 2)" font-size="13" text-anchor="middle" "#
            + #"transform="rotate(-90 \#(origin + 22) \#((top + bottom) / 2))">\#(escape(yTitle))</text>"#)
        for (label, lines) in series {
            let colour = color(label, in: labels)
            for (index, points) in lines.enumerated() {
                let dash = index == 0 ? "" : #" stroke-dasharray="6 4""#
                let coordinates = points.map { "\(number(x($0.0))),\(number(y($0.1)))" }.joined(separator: " ")
                items.append(#"<polyline points="\#(coordinates)" fill="none" stroke="\#(colour)" stroke-width="2"\#(dash)>"#
                    + "<title>\(escape(label))</title></polyline>")
                // The first line's markers are filled, the others' hollow, so single points still tell apart.
                let marker = index == 0 ? #"fill="\#(colour)""# : #"fill="white" stroke="\#(colour)" stroke-width="2""#
                for point in points {
                    items.append(#"<circle cx="\#(number(x(point.0)))" cy="\#(number(y(point.1)))" r="3.5" \#(marker)>"#
                        + "<title>\(escape(label)) at \(point.0.map(String.init) ?? "∞"): \(number(point.1))"
                        + "</title></circle>")
                }
            }
        }
        return items
    }

    /// One timeline panel: requests against seconds, per label a running line (solid) and a
    /// waiting line (dashed).
    private static func timelinePanel(left origin: Double, top panelTop: Double, width panelWidth: Double, level: Int?,
                                      timelines: [ResultSummary.Timeline], labels: [String]) -> [String] {
        let left = origin + 60, right = origin + panelWidth - 20
        let top = panelTop + 40, bottom = panelTop + Double(timelineHeight) - 50
        let lastSecond = timelines.flatMap { $0.points.map(\.second) }.max() ?? 0
        let highest = Double(timelines.flatMap { $0.points.flatMap { [$0.running, $0.waiting] } }.max() ?? 0)
        let (step, axisTop) = niceScale(highest)
        let (secondStep, secondTop) = niceScale(Double(max(lastSecond, 1)))
        func x(_ second: Int) -> Double { left + (right - left) * Double(second) / secondTop }
        func y(_ value: Double) -> Double { bottom - (bottom - top) * value / axisTop }
        let levelName = level.map(String.init) ?? "unlimited"
        var items = [text(x: (left + right) / 2, y: top - 16, "Requests at concurrency \(levelName)", size: 13,
                          anchor: "middle", weight: "bold"),
                     text(x: (left + right) / 2, y: top - 3, "running solid, waiting dashed", size: 11, anchor: "middle")]
        var tick = 0.0
        while tick <= axisTop + step / 2 {
            items.append(#"<line x1="\#(left)" y1="\#(y(tick))" x2="\#(right)" y2="\#(y(tick))" stroke="gainsboro"/>"#)
            items.append(text(x: left - 6, y: y(tick) + 4, number(tick), size: 11, anchor: "end"))
            tick += step
        }
        var second = 0.0
        while second <= secondTop + secondStep / 2 {
            items.append(text(x: x(Int(second)), y: bottom + 16, number(second), size: 11, anchor: "middle"))
            second += secondStep
        }
        items.append(#"<line x1="\#(left)" y1="\#(bottom)" x2="\#(right)" y2="\#(bottom)" stroke="black"/>"#)
        items.append(#"<line x1="\#(left)" y1="\#(top)" x2="\#(left)" y2="\#(bottom)" stroke="black"/>"#)
        items.append(text(x: (left + right) / 2, y: bottom + 34, "seconds into the pass", size: 12, anchor: "middle"))
        for timeline in timelines {
            let colour = color(timeline.label, in: labels)
            for (name, value, dash) in [("running", \TimelinePoint.running, ""), ("waiting", \TimelinePoint.waiting, #" stroke-dasharray="6 4""#)] {
                let coordinates = timeline.points.map { "\(number(x($0.second))),\(number(y(Double($0[keyPath: value]))))" }
                items.append(#"<polyline points="\#(coordinates.joined(separator: " "))" fill="none" stroke="\#(colour)" stroke-width="1.5"\#(dash)>"#
                    + "<title>\(escape(timeline.label)) \(name)</title></polyline>")
            }
        }
        return items
    }

    /// A tick step of 1, 2 or 5 times a power of ten giving at most five steps, and the axis top
    /// it reaches (at least the highest value).
    static func niceScale(_ highest: Double) -> (step: Double, top: Double) {
        guard highest > 0, highest.isFinite else { return (1, 5) }
        let magnitude = pow(10, (highest / 5).log10.rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 * 5 >= highest } ?? 10 * magnitude
        return (step, (highest / step).rounded(.up) * step)
    }

    private static func text(x: Double, y: Double, _ content: String, size: Int, anchor: String,
                             weight: String = "normal") -> String {
        #"<text x="\#(number(x))" y="\#(number(y))" font-size="\#(size)" text-anchor="\#(anchor)" font-weight="\#(weight)">"#
            + content + "</text>"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// `text` with XML's five special characters escaped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

private extension Double {
    var log10: Double { Foundation.log10(self) }
}
