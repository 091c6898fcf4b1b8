import ArgumentParser

/// The `sluice` command line.
@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "An LLM inference and serving engine.",
        subcommands: [Serve.self, Generate.self, Chat.self, Pull.self, Models.self, Bench.self]
    )
}
