/// One alternative token and its log-probability.
public struct TokenLogprob: Sendable, Equatable {
    public var tokenID: Int
    public var logprob: Float
}

/// The token a sampler picked, with log-probabilities when the request asked for them.
public struct SampledToken: Sendable, Equatable {
    public var tokenID: Int
    /// The picked token's log-probability under the raw distribution; nil unless params.logprobs != nil.
    public var logprob: Float?
    /// The params.logprobs likeliest tokens of the raw distribution, likeliest first.
    public var topLogprobs: [TokenLogprob]
}
