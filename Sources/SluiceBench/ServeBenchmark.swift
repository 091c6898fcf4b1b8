import AsyncHTTPClient
import Foundation
import SluiceGGUF
import SluiceTokenizer

/// `sluice bench serve`: streams a dataset's prompts to an OpenAI-compatible server, one pass per
/// concurrency level, and measures each request as `vllm bench serve` does.
public struct ServeBenchmark: Sendable {
    public let options: ServeBenchmarkOptions
    /// Hears progress messages (dataset fetch, warm-up).
    private let log: @Sendable (String) -> Void

    public init(options: ServeBenchmarkOptions, log: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.log = log
    }

    /// Runs every pass; `onLevel` hears each pass's result as it ends. Failed requests are counted
    /// in the result; only a run that cannot start (no tokenizer, no server, no dataset) throws.
    public func run(onLevel: (LevelResult, BenchmarkResult) -> Void) async throws -> BenchmarkResult {
        let tokenizer = try Self.loadTokenizer(path: options.tokenizerPath)
        let perPass = options.numPrompts
        let prompts = try makePrompts(count: perPass * options.concurrencyLevels.count + options.numWarmups,
                                      tokenizer: tokenizer)
        let largestPass = options.concurrencyLevels.map { $0 ?? perPass }.max() ?? perPass
        let http = StreamingClient.makeHTTPClient(connections: max(largestPass, options.numWarmups))
        do {
            let result = try await run(prompts: prompts, http: http, onLevel: onLevel)
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func run(prompts: [BenchPrompt], http: HTTPClient,
                     onLevel: (LevelResult, BenchmarkResult) -> Void) async throws -> BenchmarkResult {
        // Asked even when --model names the model: a server that is not there fails here, clearly,
        // instead of failing every request after a connect timeout each.
        let listed = try await ServerInfo.firstModel(http: http, address: options.address, apiKey: options.apiKey)
        guard let model = options.model ?? listed else {
            throw BenchError.server("GET \(options.address.models) lists no model; name it with --model")
        }
        let client = StreamingClient(http: http, address: options.address, endpoint: options.endpoint, model: model,
                                     ignoreEOS: options.ignoreEOS, apiKey: options.apiKey, jsonSchema: options.jsonSchema)
        var result = emptyResult(model: model)
        // Warm-up prompts come after every pass's own, so no pass meets a prompt the server has cached.
        let warmups = Array(prompts.suffix(options.numWarmups))
        if !warmups.isEmpty {
            let generator = LoadGenerator(maxConcurrency: options.concurrencyLevels.first ?? nil,
                                          arrivals: ArrivalSchedule(count: warmups.count, requestRate: .infinity,
                                                                    burstiness: 1, seed: options.seed))
            let (outcomes, _) = await generator.run(prompts: warmups, send: client.send)
            let failed = outcomes.filter { !$0.succeeded }
            log("warm-up: \(warmups.count) requests, \(failed.count) failed\(failed.first?.error.map { " (\($0))" } ?? "")")
        }
        // Each pass has prompts of its own, so a prefix cache never carries one pass into the next.
        for (pass, maxConcurrency) in options.concurrencyLevels.enumerated() {
            let passPrompts = Array(prompts[(pass * options.numPrompts)..<((pass + 1) * options.numPrompts)])
            let level = await runPass(prompts: passPrompts, maxConcurrency: maxConcurrency, client: client, http: http)
            result.levels.append(level)
            onLevel(level, result)
        }
        return result
    }

    private func runPass(prompts: [BenchPrompt], maxConcurrency: Int?, client: StreamingClient,
                         http: HTTPClient) async -> LevelResult {
        let before = await ServerInfo.prefixCacheCounters(http: http, address: options.address, apiKey: options.apiKey)
        let specBefore = await ServerInfo.specDecodeCounters(http: http, address: options.address, apiKey: options.apiKey)
        let generator = LoadGenerator(maxConcurrency: maxConcurrency, arrivals: ArrivalSchedule(
            count: prompts.count, requestRate: options.requestRate, burstiness: options.burstiness, seed: options.seed))
        var progress = ProgressReporter(total: prompts.count,
                                        title: "concurrency \(maxConcurrency.map(String.init) ?? "unlimited")")
        let (outcomes, duration) = await generator.run(prompts: prompts, send: client.send) { progress.record($0) }
        progress.finish()
        let after = await ServerInfo.prefixCacheCounters(http: http, address: options.address, apiKey: options.apiKey)
        let specAfter = await ServerInfo.specDecodeCounters(http: http, address: options.address, apiKey: options.apiKey)
        var hitRate: Double?
        if let before, let after, after.queries > before.queries {
            hitRate = (after.hits - before.hits) / (after.queries - before.queries)
        }
        var level = LevelResult(maxConcurrency: maxConcurrency, metrics: PassMetrics(outcomes: outcomes, duration: duration),
                                prefixCacheHitRate: hitRate,
                                requests: options.saveDetailed ? outcomes.map(RequestRecord.init) : nil,
                                timeline: RequestTimeline.perSecond(outcomes, duration: duration))
        if let specBefore, let specAfter, specAfter.draftTokens > specBefore.draftTokens {
            level.specDecodeDraftTokens = Int(specAfter.draftTokens - specBefore.draftTokens)
            level.specDecodeAcceptanceRate = (specAfter.acceptedTokens - specBefore.acceptedTokens)
                / (specAfter.draftTokens - specBefore.draftTokens)
        }
        return level
    }

    /// The prompts of every pass and the warm-up, drawn once from the seed.
    private func makePrompts(count: Int, tokenizer: any Tokenizer) throws -> [BenchPrompt] {
        switch options.dataset {
        case .random:
            return try RandomDataset.make(count: count, inputLength: options.randomInputLength,
                                          outputLength: options.randomOutputLength,
                                          builder: WordTextBuilder(tokenizer: tokenizer), seed: options.seed)
        case .sharegpt:
            return try shareGPTPrompts(count: count, tokenizer: tokenizer)
        case .prefix:
            return try PrefixDataset.make(questions: shareGPTPrompts(count: count, tokenizer: tokenizer),
                                          prefixLength: options.prefixLength, numPrefixes: options.numPrefixes,
                                          builder: WordTextBuilder(tokenizer: tokenizer), seed: options.seed)
        }
    }

    private func shareGPTPrompts(count: Int, tokenizer: any Tokenizer) throws -> [BenchPrompt] {
        let path = try options.datasetPath ?? ShareGPTDownload.ensure(log: log)
        let file = try ShareGPTFile(path: path)
        if file.isTruncated { log("\(path): cut off after \(file.count) complete conversations; using those") }
        return try ShareGPTDataset.sample(file: file, count: count, maxOutputTokens: options.maxOutputTokens,
                                          tokenizer: tokenizer, seed: options.seed)
    }

    /// The tokenizer of the GGUF file at `path`.
    public static func loadTokenizer(path: String) throws -> any Tokenizer {
        try makeTokenizer(vocabulary: TokenizerVocabulary(gguf: GGUFFile(path: path)))
    }

    private func emptyResult(model: String) -> BenchmarkResult {
        let usesShareGPT = options.dataset != .random
        return BenchmarkResult(
            label: options.label, date: ISO8601DateFormatter().string(from: Date()), baseURL: options.address.root,
            model: model, endpoint: options.endpoint, dataset: options.dataset, numPrompts: options.numPrompts,
            requestRate: options.requestRate, burstiness: options.burstiness, seed: options.seed,
            ignoreEOS: options.ignoreEOS, numWarmups: options.numWarmups,
            maxOutputTokens: usesShareGPT ? options.maxOutputTokens : nil,
            randomInputLength: usesShareGPT ? nil : options.randomInputLength,
            randomOutputLength: usesShareGPT ? nil : options.randomOutputLength,
            prefixLength: options.dataset == .prefix ? options.prefixLength : nil, levels: [])
    }
}
