/// Picks the next token from one row of logits, honouring every field of ``SamplingParams``.
///
/// The steps follow vLLM v1's sampler (vllm/v1/sample/sampler.py):
/// 1. log-probabilities, when asked, from the raw row (vLLM's default `raw_logprobs`);
/// 2. on a scratch copy of the row, the request's ``LogitsProcessor``s in order: logit bias, the min_tokens
///    ban on stop tokens (the request's ``StopChecker`` says which and until when), the repetition,
///    frequency and presence penalties, then the structured-output grammar's mask (last, so nothing
///    revives a token it bans);
/// 3. greedy takes the argmax; otherwise softmax at the temperature, top-k, top-p over the
///    renormalised top-k, min_p over what they kept, and one draw from the request's own generator.
///    (vLLM v1 runs min_p before top-k and top-p; the two orders differ only when top-p and min_p
///    are both set.)
///
/// Each sampled token is then passed to every processor (``LogitsProcessor/accept(_:)``), and
/// ``isFinished`` says when one of them ends the request. NaN logits count as impossible tokens. Scratch
/// buffers are sized to the vocabulary on first use and reused, so a step allocates nothing but the
/// returned top-logprob list.
public struct Sampler: Sendable {
    /// Temperatures below this are greedy: dividing by them would overflow (vLLM's `_SAMPLING_EPS`).
    public static let greedyTemperature: Float = 1e-5

    /// The request's sampling parameters.
    public let params: SamplingParams
    private var generator: SeededGenerator
    /// The edits of the row before sampling, in the order they run.
    private(set) var processors: [any LogitsProcessor]

    /// [vocabularySize] the edited logits, then their softmax numerators.
    var row: [Float] = []
    /// [vocabularySize] candidate token ids for top-k and top-p, likeliest first once selected.
    var rankedTokens: [Int32] = []
    /// [min(logprobs, vocabularySize)] the likeliest raw tokens.
    var topLogprobTokens: [Int32] = []

    /// A sampler for one request, seeded from `params.seed` or at random, banning the stop tokens
    /// of `stops` before `min_tokens`.
    public init(params: SamplingParams, stops: StopChecker) {
        self.init(params: params, processors: Self.processors(params: params, stops: stops, grammar: nil))
    }

    /// A sampler that runs `processors` on each row, in order, before sampling by `params`.
    public init(params: SamplingParams, processors: [any LogitsProcessor]) {
        self.params = params
        self.processors = processors
        generator = SeededGenerator(seed: params.seed ?? UInt64.random(in: .min ... .max))
    }

    /// The processors `params` asks for, in vLLM v1's order (bias and the min_tokens ban, then the
    /// penalties), then `grammar`: none at all for a request that edits nothing.
    public static func processors(
        params: SamplingParams, stops: StopChecker, grammar: GrammarMaskProcessor?
    ) -> [any LogitsProcessor] {
        var processors: [any LogitsProcessor] = []
        if !params.logitBias.isEmpty { processors.append(LogitBiasProcessor(bias: params.logitBias)) }
        if !stops.minTokensBannedIDs.isEmpty, stops.minTokens > 0 { processors.append(MinTokensProcessor(stops: stops)) }
        if let penalties = PenaltiesProcessor(params: params) { processors.append(penalties) }
        if let grammar { processors.append(grammar) }
        return processors
    }

    /// Whether a processor says the request must stop (its grammar is complete).
    public var isFinished: Bool {
        processors.contains { $0.isFinished }
    }

    /// A sampler whose request stops at `eosTokenIDs` (banned before `min_tokens`) and its own stop rules.
    public init(params: SamplingParams, eosTokenIDs: Set<Int> = []) {
        self.init(params: params, stops: StopChecker(params: params, eosTokenIDs: eosTokenIDs))
    }

    /// Full form: `promptTokenIDs` and `outputTokenIDs` are the request's history (for penalties and min_tokens).
    public mutating func sample(
        logits: UnsafeBufferPointer<Float>, promptTokenIDs: ArraySlice<Int>, outputTokenIDs: ArraySlice<Int>
    ) -> SampledToken {
        let tokenID = pick(logits: logits, history: TokenHistory(promptTokenIDs: promptTokenIDs, outputTokenIDs: outputTokenIDs))
        accept(tokenID)
        guard let topCount = params.logprobs else { return SampledToken(tokenID: tokenID) }
        return rawLogprobs(logits: logits, sampledTokenID: tokenID, topCount: topCount)
    }

    /// Convenience kept for existing callers: no history; returns just the id.
    ///
    /// With no history, min_tokens > 0 bans the stop tokens on every call: callers that set it must
    /// use the full form.
    public mutating func sample(logits: UnsafeBufferPointer<Float>) -> Int {
        let tokenID = pick(logits: logits, history: TokenHistory(promptTokenIDs: [], outputTokenIDs: []))
        accept(tokenID)
        return tokenID
    }

    private mutating func accept(_ tokenID: Int) {
        for index in processors.indices { processors[index].accept(tokenID) }
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

    private mutating func pick(logits: UnsafeBufferPointer<Float>, history: TokenHistory) -> Int {
        let greedy = params.isGreedy
        let edits = processors.contains { $0.isActive(history) && !(greedy && $0.isArgmaxInvariant) }
        if greedy {
            guard edits else { return Self.argmax(logits) }
            copyToRow(logits)
            applyProcessors(history: history, greedy: true)
            return row.withUnsafeBufferPointer(Self.argmax)
        }
        // Drawn before anything can return early, so a seeded stream advances by exactly one per sample.
        let uniform = generator.nextUnitFloat()
        guard !logits.isEmpty else { return 0 }
        copyToRow(logits)
        if edits { applyProcessors(history: history, greedy: false) }
        return drawFromRow(uniform)
    }

    /// Runs each processor that would change the row, in order, on `row`.
    private mutating func applyProcessors(history: TokenHistory, greedy: Bool) {
        row.withUnsafeMutableBufferPointer { row in
            for index in processors.indices
            where processors[index].isActive(history) && !(greedy && processors[index].isArgmaxInvariant) {
                processors[index].apply(to: row, history: history)
            }
        }
    }

    private mutating func copyToRow(_ logits: UnsafeBufferPointer<Float>) {
        if row.count != logits.count { row = [Float](repeating: 0, count: logits.count) }
        row.withUnsafeMutableBufferPointer { row in
            guard let destination = row.baseAddress, let source = logits.baseAddress else { return }
            destination.update(from: source, count: logits.count)
        }
    }
}
