import Foundation

/// The JSON result file of `sluice bench serve`: the run's settings and one entry per
/// concurrency level. `sluice bench chart` reads these files back.
public struct BenchmarkResult: Codable, Sendable {
    /// The engine's name in charts and tables, from `--label`.
    public var label: String
    /// When the run started, ISO 8601.
    public var date: String
    public var baseURL: String
    public var model: String
    public var endpoint: Endpoint
    public var dataset: DatasetName
    public var numPrompts: Int
    /// Requests per second; infinity (written "inf") sends all at once.
    public var requestRate: Double
    public var burstiness: Double
    public var seed: UInt64
    public var ignoreEOS: Bool
    public var numWarmups: Int
    /// The output cap of the ShareGPT and prefix datasets.
    public var maxOutputTokens: Int?
    public var randomInputLength: Int?
    public var randomOutputLength: Int?
    public var prefixLength: Int?
    public var levels: [LevelResult]

    public init(label: String, date: String, baseURL: String, model: String, endpoint: Endpoint, dataset: DatasetName,
                numPrompts: Int, requestRate: Double, burstiness: Double, seed: UInt64, ignoreEOS: Bool,
                numWarmups: Int, maxOutputTokens: Int?, randomInputLength: Int?, randomOutputLength: Int?,
                prefixLength: Int?, levels: [LevelResult]) {
        self.label = label
        self.date = date
        self.baseURL = baseURL
        self.model = model
        self.endpoint = endpoint
        self.dataset = dataset
        self.numPrompts = numPrompts
        self.requestRate = requestRate
        self.burstiness = burstiness
        self.seed = seed
        self.ignoreEOS = ignoreEOS
        self.numWarmups = numWarmups
        self.maxOutputTokens = maxOutputTokens
        self.randomInputLength = randomInputLength
        self.randomOutputLength = randomOutputLength
        self.prefixLength = prefixLength
        self.levels = levels
    }

    enum CodingKeys: String, CodingKey {
        case label, date, model, endpoint, dataset, burstiness, seed, levels
        case baseURL = "base_url"
        case numPrompts = "num_prompts"
        case requestRate = "request_rate"
        case ignoreEOS = "ignore_eos"
        case numWarmups = "num_warmups"
        case maxOutputTokens = "max_output_tokens"
        case randomInputLength = "random_input_len"
        case randomOutputLength = "random_output_len"
        case prefixLength = "prefix_len"
    }

    /// Writes the result as pretty JSON to `path`.
    public func write(to path: String) throws(BenchError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .resultFile("could not write the result file \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a result file that `write(to:)` wrote.
    public static func read(from path: String) throws(BenchError) -> BenchmarkResult {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                        nan: "nan")
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .resultFile("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try decoder.decode(BenchmarkResult.self, from: data)
        } catch {
            throw .resultFile("\(path) is not a `sluice bench serve` result file: \(error)")
        }
    }
}

/// One pass of a run: its concurrency limit and what it measured.
public struct LevelResult: Codable, Sendable {
    /// The most requests in flight; nil for no limit.
    public var maxConcurrency: Int?
    public var metrics: PassMetrics
    /// Prefix-cache hits over queried tokens during the pass, from the server's `/metrics`; nil
    /// when the server does not export those counters.
    public var prefixCacheHitRate: Double?
    /// Draft tokens the server verified during the pass and the fraction it accepted, from its
    /// speculative-decoding counters; nil when it speculated on nothing or exports no such counters.
    public var specDecodeDraftTokens: Int?
    public var specDecodeAcceptanceRate: Double?
    /// Every request's figures, with `--save-detailed`.
    public var requests: [RequestRecord]?
    /// Requests running and waiting at each second of the pass (``RequestTimeline``); nil in
    /// files written before it was measured.
    public var timeline: [TimelinePoint]?

    public init(maxConcurrency: Int?, metrics: PassMetrics, prefixCacheHitRate: Double?, requests: [RequestRecord]?,
                timeline: [TimelinePoint]? = nil) {
        self.maxConcurrency = maxConcurrency
        self.metrics = metrics
        self.prefixCacheHitRate = prefixCacheHitRate
        self.requests = requests
        self.timeline = timeline
    }

    enum CodingKeys: String, CodingKey {
        case metrics, requests, timeline
        case maxConcurrency = "max_concurrency"
        case prefixCacheHitRate = "prefix_cache_hit_rate"
        case specDecodeDraftTokens = "spec_decode_draft_tokens"
        case specDecodeAcceptanceRate = "spec_decode_acceptance_rate"
    }
}

/// One request's figures in a result file, in milliseconds.
public struct RequestRecord: Codable, Sendable {
    public var promptTokens: Int
    public var outputTokens: Int
    public var timeToFirstToken: Double
    public var latency: Double
    public var interTokenLatencies: [Double]
    public var error: String?
    /// When it was sent, in ms from the start of the pass.
    public var sentAt: Double?

    public init(_ outcome: RequestOutcome) {
        promptTokens = outcome.promptTokens
        outputTokens = outcome.outputTokens
        timeToFirstToken = outcome.timeToFirstToken * 1000
        latency = outcome.latency * 1000
        interTokenLatencies = outcome.interTokenLatencies.map { $0 * 1000 }
        error = outcome.error
        sentAt = outcome.sentAt * 1000
    }

    enum CodingKeys: String, CodingKey {
        case error
        case promptTokens = "prompt_tokens"
        case outputTokens = "output_tokens"
        case timeToFirstToken = "ttft_ms"
        case latency = "e2el_ms"
        case interTokenLatencies = "itl_ms"
        case sentAt = "sent_ms"
    }
}
