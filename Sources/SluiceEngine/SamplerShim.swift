// TEMPORARY until the sampler lands.
extension Sampler {
    public init(params: SamplingParams, eosTokenIDs: Set<Int>) { self.init(params: params) }
    public mutating func sample(logits: UnsafeBufferPointer<Float>, promptTokenIDs: ArraySlice<Int>, outputTokenIDs: ArraySlice<Int>) -> SampledToken {
        SampledToken(tokenID: sample(logits: logits), logprob: nil, topLogprobs: [])
    }
}
