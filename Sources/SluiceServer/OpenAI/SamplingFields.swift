/// The sampling fields that `/v1/completions` and `/v1/chat/completions` share, as vLLM accepts
/// them; `nil` means "the default". ``SamplingParams`` (in `SamplingParams+OpenAI.swift`) checks
/// their ranges.
struct SamplingFields: Decodable, Equatable, Sendable {
    var temperature: Float?
    var topP: Float?
    var topK: Int?
    var minP: Float?
    var n: Int?
    var bestOf: Int?
    var stop: [String] = []
    var stopTokenIDs: [Int] = []
    var presencePenalty: Float?
    var frequencyPenalty: Float?
    var repetitionPenalty: Float?
    var seed: UInt64?
    var logitBias: [Int: Float] = [:]
    var ignoreEOS: Bool?
    var minTokens: Int?
    var skipSpecialTokens: Bool?
    var includeStopStringInOutput: Bool?
    /// Not a sampling field, but both bodies carry it as vLLM's do: the request's place under
    /// `--scheduling-policy priority` (lower first); passed to ``Engine/generate(prompt:params:requestID:priority:)``.
    var priority: Int?

    enum CodingKeys: String, CodingKey {
        case temperature, n, stop, seed, priority
        case topP = "top_p"
        case topK = "top_k"
        case minP = "min_p"
        case bestOf = "best_of"
        case stopTokenIDs = "stop_token_ids"
        case presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty"
        case repetitionPenalty = "repetition_penalty"
        case logitBias = "logit_bias"
        case ignoreEOS = "ignore_eos"
        case minTokens = "min_tokens"
        case skipSpecialTokens = "skip_special_tokens"
        case includeStopStringInOutput = "include_stop_str_in_output"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        temperature = try container.decodeIfPresent(Float.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Float.self, forKey: .topP)
        topK = try container.decodeIfPresent(Int.self, forKey: .topK)
        minP = try container.decodeIfPresent(Float.self, forKey: .minP)
        n = try container.decodeIfPresent(Int.self, forKey: .n)
        bestOf = try container.decodeIfPresent(Int.self, forKey: .bestOf)
        stop = try Self.decodeStop(container)
        stopTokenIDs = try container.decodeIfPresent([Int].self, forKey: .stopTokenIDs) ?? []
        presencePenalty = try container.decodeIfPresent(Float.self, forKey: .presencePenalty)
        frequencyPenalty = try container.decodeIfPresent(Float.self, forKey: .frequencyPenalty)
        repetitionPenalty = try container.decodeIfPresent(Float.self, forKey: .repetitionPenalty)
        seed = try Self.decodeSeed(container)
        logitBias = try Self.decodeLogitBias(container)
        ignoreEOS = try container.decodeIfPresent(Bool.self, forKey: .ignoreEOS)
        minTokens = try container.decodeIfPresent(Int.self, forKey: .minTokens)
        skipSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .skipSpecialTokens)
        includeStopStringInOutput = try container.decodeIfPresent(Bool.self, forKey: .includeStopStringInOutput)
        priority = try container.decodeIfPresent(Int.self, forKey: .priority)
    }

    /// `stop` is a string or a list of strings.
    private static func decodeStop(_ container: KeyedDecodingContainer<CodingKeys>) throws -> [String] {
        if let single = try? container.decodeIfPresent(String.self, forKey: .stop) { return [single] }
        do {
            return try container.decodeIfPresent([String].self, forKey: .stop) ?? []
        } catch {
            throw APIError.badRequest("stop must be a string or an array of strings.", param: "stop")
        }
    }

    /// Any 64-bit integer, as vLLM allows; a negative seed keeps its bits.
    private static func decodeSeed(_ container: KeyedDecodingContainer<CodingKeys>) throws -> UInt64? {
        if let signed = try? container.decodeIfPresent(Int64.self, forKey: .seed) { return UInt64(bitPattern: signed) }
        return try container.decodeIfPresent(UInt64.self, forKey: .seed)
    }

    /// OpenAI's `logit_bias` is an object whose keys are token ids written as strings.
    private static func decodeLogitBias(_ container: KeyedDecodingContainer<CodingKeys>) throws -> [Int: Float] {
        guard let raw = try container.decodeIfPresent([String: Float].self, forKey: .logitBias) else { return [:] }
        var bias: [Int: Float] = [:]
        for (key, value) in raw {
            guard let token = Int(key) else {
                throw APIError.badRequest(
                    "logit_bias keys must be token ids written as strings, like {\"50256\": -100}; got \"\(key)\".",
                    param: "logit_bias")
            }
            bias[token] = value
        }
        return bias
    }
}

/// `stream_options`: what a streamed response adds.
struct StreamOptions: Decodable, Equatable, Sendable {
    /// Send a last chunk with the whole request's token usage.
    var includeUsage = false
    /// With ``includeUsage``, put the usage so far on every chunk too, as vLLM does.
    var continuousUsageStats = false

    enum CodingKeys: String, CodingKey {
        case includeUsage = "include_usage"
        case continuousUsageStats = "continuous_usage_stats"
    }

    init(includeUsage: Bool = false, continuousUsageStats: Bool = false) {
        self.includeUsage = includeUsage
        self.continuousUsageStats = continuousUsageStats
    }

    /// Whether every chunk carries usage: vLLM asks for `include_usage` as well.
    var wantsContinuousUsage: Bool { includeUsage && continuousUsageStats }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        includeUsage = try container.decodeIfPresent(Bool.self, forKey: .includeUsage) ?? false
        continuousUsageStats = try container.decodeIfPresent(Bool.self, forKey: .continuousUsageStats) ?? false
    }
}
