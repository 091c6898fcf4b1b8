extension Sampler {
    /// Whether this step changes any logit before sampling, so the raw row can be used as it is.
    func hasLogitEdits(promptCount: Int, outputCount: Int) -> Bool {
        if !params.logitBias.isEmpty { return true }
        if stops.bansStopTokens(numOutputTokens: outputCount) { return true }
        if params.repetitionPenalty != 1, promptCount + outputCount > 0 { return true }
        return (params.frequencyPenalty != 0 || params.presencePenalty != 0) && outputCount > 0
    }

    /// Edits `row` in vLLM v1's order: logit bias and the min_tokens ban (the logits processors that
    /// can change the argmax), then the repetition, frequency and presence penalties
    /// (vllm/v1/sample/ops/penalties.py).
    ///
    /// Token ids outside the vocabulary are skipped: ``SamplingParams/validate(vocabularySize:)``
    /// reports them, and a sampler must not trap on what a client sent.
    mutating func applyLogitEdits(promptTokenIDs: ArraySlice<Int>, outputTokenIDs: ArraySlice<Int>) {
        let params = params
        let vocabulary = 0..<row.count
        for (token, bias) in params.logitBias where vocabulary.contains(token) { row[token] += bias }
        if stops.bansStopTokens(numOutputTokens: outputTokenIDs.count) {
            for token in stops.minTokensBannedIDs where vocabulary.contains(token) { row[token] = -.infinity }
        }
        let repeats = params.repetitionPenalty != 1 && !(promptTokenIDs.isEmpty && outputTokenIDs.isEmpty)
        let generated = (params.frequencyPenalty != 0 || params.presencePenalty != 0) && !outputTokenIDs.isEmpty
        guard repeats || generated else { return }
        if outputCounts.count != row.count { outputCounts = [Int32](repeating: 0, count: row.count) }
        row.withUnsafeMutableBufferPointer { row in
            outputCounts.withUnsafeMutableBufferPointer { counts in
                Self.applyPenalties(
                    row: row, counts: counts, promptTokenIDs: promptTokenIDs, outputTokenIDs: outputTokenIDs,
                    repetition: params.repetitionPenalty, frequency: params.frequencyPenalty,
                    presence: params.presencePenalty)
            }
        }
    }

    /// Applies the three penalties to each distinct token of the history once, in O(history).
    ///
    /// `counts` must be all zero and is left all zero: it holds each output token's count, and -1 marks
    /// a prompt-only token already penalised, so the touched entries can be reset without a pass over
    /// the vocabulary.
    private static func applyPenalties(
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
