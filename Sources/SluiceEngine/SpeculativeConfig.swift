import Foundation

/// Speculative decoding (`--speculative-config`, vLLM's spelling; ARCHITECTURE.md, decision 14):
/// a proposer guesses the next few tokens of a decoding request, the next step runs them as extra
/// tokens of that request's row, and the sampler keeps the longest prefix the target model agrees
/// with, plus one token of its own. A step that reads every weight once then yields up to
/// ``numSpeculativeTokens`` + 1 tokens, which is how a memory-bound decode gets past the memory wall.
///
/// Drafts are deterministic (the n-gram lookup copies them; a draft model proposes its argmax), so the
/// rejection sampler of Leviathan et al. (arXiv 2211.17192) with a one-hot draft distribution q reduces
/// to: sample the target's token as usual and accept the draft when they are equal. That accepts the
/// draft with probability p(draft) = min(1, p/q), and on rejection the token drawn is distributed as p
/// without the draft, renormalised, which is max(0, p - q) normalised. The output distribution is
/// exactly the target's, greedy or sampled, and greedy output is token for token what it is without
/// speculation (the kernels give the same result for a token whatever else runs in its batch).
public struct SpeculativeConfig: Sendable, Equatable {
    /// Where drafts come from.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// Prompt lookup: the tokens that followed the latest n-gram's first earlier occurrence in the
        /// request's own prompt and output (vLLM's `ngram`, llama.cpp's lookup decoding).
        case ngram
        /// A smaller model sharing the target's vocabulary proposes its greedy continuation, run in the
        /// same engine with its own KV pool (vLLM's `draft_model`, llama.cpp's `--model-draft`).
        case draftModel = "draft_model"
    }

    public var method: Method
    /// The most draft tokens one step verifies for a request (vLLM's `num_speculative_tokens`).
    public var numSpeculativeTokens: Int
    /// The shortest n-gram that may match (vLLM's `prompt_lookup_min`).
    public var promptLookupMin: Int
    /// The longest n-gram tried first (vLLM's `prompt_lookup_max`).
    public var promptLookupMax: Int
    /// Speculation stops while more than this many requests run (vLLM's `disable_by_batch_size`): a
    /// batch that large is compute-bound on a CPU, where a rejected draft costs a token's compute.
    public var disableByBatchSize: Int
    /// The draft model as the configuration names it (a GGUF path or a catalog name), for
    /// ``Method/draftModel``; the command line resolves and loads it into ``EngineOptions/draftModel``.
    public var model: String?

    /// The defaults when the configuration leaves a field out.
    public static let defaultNumSpeculativeTokens = 5
    public static let defaultPromptLookupMin = 2
    public static let defaultPromptLookupMax = 4
    public static let defaultDisableByBatchSize = 4

    public init(method: Method = .ngram, numSpeculativeTokens: Int = defaultNumSpeculativeTokens,
                promptLookupMin: Int = defaultPromptLookupMin, promptLookupMax: Int = defaultPromptLookupMax,
                disableByBatchSize: Int = defaultDisableByBatchSize, model: String? = nil) {
        self.method = method
        self.numSpeculativeTokens = numSpeculativeTokens
        self.promptLookupMin = promptLookupMin
        self.promptLookupMax = promptLookupMax
        self.disableByBatchSize = disableByBatchSize
        self.model = model
    }

    /// Reads vLLM's JSON form, `{"method": "ngram", "num_speculative_tokens": 5, "prompt_lookup_min": 2,
    /// "prompt_lookup_max": 4, "disable_by_batch_size": 4}` or `{"method": "draft_model", "model": PATH,
    /// "num_speculative_tokens": 4}` (vLLM's older `{"model": PATH}` without a method means a draft
    /// model too); unknown keys and wrong types are refused by name, so a typo never silently turns
    /// speculation off.
    public init(json: String) throws(SchedulerError) {
        /// The JSON form; JSONDecoder refuses a wrong type (a string or a bool for a count) by itself.
        struct Fields: Decodable {
            var method: String?
            var num_speculative_tokens: Int?
            var prompt_lookup_min: Int?
            var prompt_lookup_max: Int?
            var disable_by_batch_size: Int?
            var model: String?
        }
        let data = Data(json.utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .invalidConfig("--speculative-config must be a JSON object, got \(json)")
        }
        let known: Set = ["method", "num_speculative_tokens", "prompt_lookup_min", "prompt_lookup_max",
                          "disable_by_batch_size", "model"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidConfig("--speculative-config: unknown key \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: data)
        } catch {
            throw .invalidConfig("--speculative-config: \(Self.describe(error))")
        }
        let supported = Method.allCases.map(\.rawValue).joined(separator: ", ")
        // vLLM's older spelling: a model and no method is a draft model.
        guard let methodName = fields.method ?? (fields.model == nil ? nil : Method.draftModel.rawValue) else {
            throw .invalidConfig("--speculative-config needs \"method\" (one of: \(supported))")
        }
        guard let method = Method(rawValue: methodName) else {
            throw .invalidConfig("--speculative-config: method \"\(methodName)\" is not supported (supported: \(supported))")
        }
        let maxN = fields.prompt_lookup_max
        let minN = fields.prompt_lookup_min
        self.init(method: method,
                  numSpeculativeTokens: fields.num_speculative_tokens ?? Self.defaultNumSpeculativeTokens,
                  // One bound given: the other follows it.
                  promptLookupMin: minN ?? min(maxN ?? Self.defaultPromptLookupMin, Self.defaultPromptLookupMin),
                  promptLookupMax: maxN ?? max(minN ?? Self.defaultPromptLookupMax, Self.defaultPromptLookupMax),
                  disableByBatchSize: fields.disable_by_batch_size ?? Self.defaultDisableByBatchSize,
                  model: fields.model)
        try validate()
    }

    /// The field a decoding error is about, in words.
    private static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(let type, let context)?:
            return "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" must be \(type == String.self ? "a string" : "an integer")"
        case .dataCorrupted(let context)?:
            return "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" is out of range"
        default:
            return "\(error)"
        }
    }

    /// Rejects values no proposer could work with, naming the field.
    public func validate() throws(SchedulerError) {
        guard (1...64).contains(numSpeculativeTokens) else {
            throw .invalidConfig("--speculative-config: num_speculative_tokens must be 1 to 64, got \(numSpeculativeTokens)")
        }
        guard promptLookupMin >= 1, promptLookupMax >= promptLookupMin, promptLookupMax <= 64 else {
            throw .invalidConfig("--speculative-config: need 1 <= prompt_lookup_min <= prompt_lookup_max <= 64, got \(promptLookupMin) and \(promptLookupMax)")
        }
        switch method {
        case .ngram where model != nil:
            throw .invalidConfig("--speculative-config: \"model\" is for method draft_model, not ngram")
        case .draftModel where model?.isEmpty ?? true:
            throw .invalidConfig("--speculative-config: method draft_model needs \"model\" (a GGUF path or a catalog name)")
        default:
            break
        }
        guard disableByBatchSize >= 1 else {
            throw .invalidConfig("--speculative-config: disable_by_batch_size must be at least 1, got \(disableByBatchSize)")
        }
    }

    /// The most logit rows a step can ask for with `maxNumSeqs` requests: one per request, plus the
    /// drafts of the few requests that may speculate at once.
    func maxLogitRows(maxNumSeqs: Int) -> Int {
        maxNumSeqs + min(maxNumSeqs, disableByBatchSize) * numSpeculativeTokens
    }
}
