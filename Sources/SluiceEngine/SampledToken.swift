/// One alternative token and its log-probability.
public struct TokenLogprob: Sendable, Equatable {
    /// The token's id in the vocabulary.
    public var tokenID: Int
    /// Its log-probability under the raw distribution; -inf for an impossible (NaN) logit.
    public var logprob: Float

    /// Pairs a token with its log-probability.
    public init(tokenID: Int, logprob: Float) {
        self.tokenID = tokenID
        self.logprob = logprob
    }
}

/// The token a sampler picked, with log-probabilities when the request asked for them.
///
/// As in vLLM v1's default `raw_logprobs` mode, the log-probabilities describe the model's raw
/// distribution, before penalties, logit bias, temperature or any filter.
public struct SampledToken: Sendable, Equatable {
    /// The picked token's id.
    public var tokenID: Int
    /// The picked token's log-probability under the raw distribution; nil unless params.logprobs != nil.
    public var logprob: Float?
    /// The params.logprobs likeliest tokens of the raw distribution, likeliest first (empty when not asked or 0).
    public var topLogprobs: [TokenLogprob]
    /// The token's rank in the raw distribution (1 for the likeliest; ties share the better rank);
    /// set for prompt log-probabilities, where vLLM reports it, nil otherwise.
    public var rank: Int?

    /// A picked token, with no log-probabilities unless given.
    public init(tokenID: Int, logprob: Float? = nil, topLogprobs: [TokenLogprob] = []) {
        self.tokenID = tokenID
        self.logprob = logprob
        self.topLogprobs = topLogprobs
    }
}
