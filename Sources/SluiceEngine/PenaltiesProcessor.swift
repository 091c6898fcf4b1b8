/// The repetition, frequency and presence penalties, as vLLM v1 applies them
/// (vllm/v1/sample/ops/penalties.py): repetition over the prompt and the output, the other two over the
/// output only.
public struct PenaltiesProcessor: LogitsProcessor {
    /// Above 1 discourages, below 1 encourages any token seen in the prompt or output.
    public let repetition: Float
    /// Subtracted once per time a token was generated.
    public let frequency: Float
    /// Subtracted once if a token was generated.
    public let presence: Float
    /// [vocabularySize] how often each token was generated; all zero between calls.
    private(set) var outputCounts: [Int32] = []

    public init(repetition: Float, frequency: Float, presence: Float) {
        self.repetition = repetition
        self.frequency = frequency
        self.presence = presence
    }

    /// The penalties `params` asks for, or nil when they change nothing.
    public init?(params: SamplingParams) {
        guard params.repetitionPenalty != 1 || params.frequencyPenalty != 0 || params.presencePenalty != 0 else {
            return nil
        }
        self.init(repetition: params.repetitionPenalty, frequency: params.frequencyPenalty,
                  presence: params.presencePenalty)
    }

    public func isActive(_ history: TokenHistory) -> Bool {
        if repetition != 1, !(history.promptTokenIDs.isEmpty && history.outputTokenIDs.isEmpty) { return true }
        return (frequency != 0 || presence != 0) && !history.outputTokenIDs.isEmpty
    }

    /// Applies the three penalties to each distinct token of the history once, in O(history).
    ///
    /// Token ids outside the vocabulary are skipped: ``SamplingParams/validate(vocabularySize:)`` reports
    /// them, and a sampler must not trap on what a client sent.
    public mutating func apply(to logits: UnsafeMutableBufferPointer<Float>, history: TokenHistory) {
        guard isActive(history) else { return }
        if outputCounts.count != logits.count { outputCounts = [Int32](repeating: 0, count: logits.count) }
        let (repetition, frequency, presence) = (repetition, frequency, presence)
        outputCounts.withUnsafeMutableBufferPointer { counts in
            Self.apply(row: logits, counts: counts, promptTokenIDs: history.promptTokenIDs,
                       outputTokenIDs: history.outputTokenIDs, repetition: repetition, frequency: frequency,
                       presence: presence)
        }
    }

    /// `counts` must be all zero and is left all zero: it holds each output token's count, and -1 marks a
    /// prompt-only token already penalised, so the touched entries can be reset without a pass over the
    /// vocabulary.
    private static func apply(
        row: UnsafeMutableBufferPointer<Float>, counts: UnsafeMutableBufferPointer<Int32>,
        promptTokenIDs: ArraySlice<Int>, outputTokenIDs: ArraySlice<Int>,
        repetition: Float, frequency: Float, presence: Float
    ) {
        let vocabulary = 0..<row.count
        // CTRL's rule: dividing a positive logit and multiplying a negative one both move it down.
        func penalised(_ logit: Float) -> Float { logit > 0 ? logit / repetition : logit * repetition }

        for token in outputTokenIDs where vocabulary.contains(token) { counts[token] += 1 }
        if repetition != 1 {
            for token in promptTokenIDs where vocabulary.contains(token) && counts[token] == 0 {
                counts[token] = -1
                row[token] = penalised(row[token])
            }
        }
        for token in outputTokenIDs where vocabulary.contains(token) && counts[token] > 0 {
            var logit = row[token]
            if repetition != 1 { logit = penalised(logit) }
            // Two subtractions, as vLLM applies them, so the rounding matches.
            logit -= frequency * Float(counts[token])
            logit -= presence
            row[token] = logit
            counts[token] = 0
        }
        if repetition != 1 {
            for token in promptTokenIDs where vocabulary.contains(token) { counts[token] = 0 }
        }
    }
}
