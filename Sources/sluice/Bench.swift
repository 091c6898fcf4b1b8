import ArgumentParser

/// `sluice bench`: speed measurements.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed.",
        subcommands: [BenchLatency.self, BenchThroughput.self, BenchMemory.self, BenchServe.self, BenchChart.self, BenchGrammar.self]
    )
}
