/// Picks the next token from one row of logits, honouring every field of ``SamplingParams``.
///
/// The steps follow vLLM v1's sampler (vllm/v1/sample/sampler.py):
/// 1. log-probabilities, when asked, from the raw row (vLLM's default `raw_logprobs`);
/// 2. on a scratch copy of the row: logit bias, the min_tokens ban on stop tokens (the request's
///    ``StopChecker`` says which and until when), then the repetition, frequency and presence penalties;
/// 3. greedy takes the argmax; otherwise softmax at the temperature, top-k, top-p over the
///    renormalised top-k, min_p over what they kept, and one draw from the request's own generator.
///    (vLLM v1 runs min_p before top-k and top-p; the two orders differ only when top-p and min_p
///    are both set.)
///
/// NaN logits count as impossible tokens. Scratch buffers are sized to the vocabulary on first
/// use and reused, so a step allocates nothing but the returned top-logprob list.
public struct Sampler: Sendable {
    /// Temperatures below this are greedy: dividing by them would overflow (vLLM's `_SAMPLING_EPS`).
    public static let greedyTemperature: Float = 1e-5

    /// The request's sampling parameters.
    public let params: SamplingParams
    private var generator: SeededGenerator
    /// The request's stop rules, for the min_tokens ban: the sampler keeps no list of its own.
    let stops: StopChecker

    /// [vocabularySize] the edited logits, then their softmax numerators.
    var row: [Float] = []
    /// [vocabularySize] candidate token ids for top-k and top-p, likeliest first once selected.
    var rankedTokens: [Int32] = []
    /// [vocabularySize] how often each token was generated; all zero between calls.
    var outputCounts: [Int32] = []
    /// [min(logprobs, vocabularySize)] the likeliest raw tokens.
    var topLogprobTokens: [Int32] = []

    /// A sampler for one request, seeded from `params.seed` or at random, banning the stop tokens
    /// of `stops` before `min_tokens`.
    public init(params: SamplingParams, stops: StopChecker) {
        self.params = params
        self.stops = stops
        generator = SeededGenerator(seed: params.seed ?? UInt64.random(in: .min ... .max))
    }

    /// A sampler whose request stops at `eosTokenIDs` (banned before `min_tokens`) and its own stop rules.
    public init(params: SamplingParams, eosTokenIDs: Set<Int> = []) {
        self.init(params: params, stops: StopChecker(params: params, eosTokenIDs: eosTokenIDs))
    }

    /// Full form: `promptTokenIDs` and `outputTokenIDs` are the request's history (for penalties and min_tokens).
    public mutating func sample(
        logits: UnsafeBufferPointer<Float>, promptTokenIDs: ArraySlice<Int>, outputTokenIDs: ArraySlice<Int>
    ) -> SampledToken {
        let tokenID = pick(logits: logits, promptTokenIDs: promptTokenIDs, outputTokenIDs: outputTokenIDs)
        guard let topCount = params.logprobs else { return SampledToken(tokenID: tokenID) }
        return rawLogprobs(logits: logits, sampledTokenID: tokenID, topCount: topCount)
    }

    /// Convenience kept for existing callers: no history; returns just the id.
    ///
    /// With no history, min_tokens > 0 bans the stop tokens on every call: callers that set it must
    /// use the full form.
    public mutating func sample(logits: UnsafeBufferPointer<Float>) -> Int {
        pick(logits: logits, promptTokenIDs: [], outputTokenIDs: [])
    }

    /// The index of the largest logit (the first one on ties; NaN never wins).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        let best = largest(logits)
        // Only NaN and -inf: no logit ever beats -inf, so the first index answers.
        guard best > -.infinity else { return 0 }
        return logits.firstIndex(of: best) ?? 0
    }

    /// The largest value, NaN skipped; -inf when there is none.
    static func largest(_ values: UnsafeBufferPointer<Float>) -> Float {
        guard let base = values.baseAddress else { return -.infinity }
        // Eight running maxima, so a step's compares need not wait on the previous step's.
        var lanes = SIMD8<Float>(repeating: -.infinity)
        var index = 0
        while index + 8 <= values.count {
            let chunk = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD8<Float>.self)
            // A NaN compares false, so it never replaces a lane.
            lanes.replace(with: chunk, where: chunk .> lanes)
            index += 8
        }
        var result = lanes.max()
        for value in values[index...] where value > result { result = value }
        return result
    }

    private mutating func pick(
        logits: UnsafeBufferPointer<Float>, promptTokenIDs: ArraySlice<Int>, outputTokenIDs: ArraySlice<Int>
    ) -> Int {
        let edits = hasLogitEdits(promptCount: promptTokenIDs.count, outputCount: outputTokenIDs.count)
        if params.isGreedy {
            guard edits else { return Self.argmax(logits) }
            copyToRow(logits)
            applyLogitEdits(promptTokenIDs: promptTokenIDs, outputTokenIDs: outputTokenIDs)
            return row.withUnsafeBufferPointer(Self.argmax)
        }
        // Drawn before anything can return early, so a seeded stream advances by exactly one per sample.
        let uniform = generator.nextUnitFloat()
        guard !logits.isEmpty else { return 0 }
        copyToRow(logits)
        if edits { applyLogitEdits(promptTokenIDs: promptTokenIDs, outputTokenIDs: outputTokenIDs) }
        return drawFromRow(uniform)
    }

    private mutating func copyToRow(_ logits: UnsafeBufferPointer<Float>) {
        if row.count != logits.count { row = [Float](repeating: 0, count: logits.count) }
        row.withUnsafeMutableBufferPointer { row in
            guard let destination = row.baseAddress, let source = logits.baseAddress else { return }
            destination.update(from: source, count: logits.count)
        }
    }
}
