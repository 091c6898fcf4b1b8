import ArgumentParser
import Foundation
import SluiceBench

/// `sluice bench chart`: overlays `sluice bench serve` result files in one SVG chart, one series
/// per label, and prints their medians as a Markdown table.
struct BenchChart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart",
        abstract: "Draw several `bench serve` result files in one SVG chart and print a table of their medians.")

    @Argument(help: "Result JSON files; runs with the same label and concurrency are reduced to their median.")
    var results: [String]

    @Option(help: "The SVG file to write.")
    var output = "chart.svg"

    @Option(help: "The chart's title.")
    var title = "Serving benchmark"

    func validate() throws {
        guard !results.isEmpty else { throw ValidationError("give at least one result JSON file") }
    }

    func run() throws {
        do {
            let files = try results.map { path throws(BenchError) in try BenchmarkResult.read(from: path) }
            let summary = ResultSummary(results: files)
            try Self.write(ServeChart.svg(summary, title: title), to: output)
            print(summary.markdownTable)
            logToStderr("wrote \(output)")
        } catch {
            logToStderr("error: \(error)")
            throw ExitCode.failure
        }
    }

    /// Writes `svg` to `path`.
    static func write(_ svg: String, to path: String) throws(BenchError) {
        do {
            try svg.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .resultFile("could not write the chart \(path): \(error.localizedDescription)")
        }
    }
}
