/// OpenAI's `logit_bias`: adds a fixed amount to the logits of some token ids, every step.
public struct LogitBiasProcessor: LogitsProcessor {
    /// Bias by token id; ids outside the vocabulary are skipped (``SamplingParams/validate(vocabularySize:)``
    /// reports them, and a sampler must not trap on what a client sent).
    public let bias: [Int: Float]

    public init(bias: [Int: Float]) {
        self.bias = bias
    }

    public func isActive(_ history: TokenHistory) -> Bool { !bias.isEmpty }

    public func apply(to logits: UnsafeMutableBufferPointer<Float>, history: TokenHistory) {
        for (token, amount) in bias where logits.indices.contains(token) { logits[token] += amount }
    }
}
