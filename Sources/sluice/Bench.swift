import ArgumentParser

/// `sluice bench`: speed measurements.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed.",
        subcommands: [BenchLatency.self]
    )
}
