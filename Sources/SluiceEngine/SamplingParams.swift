/// How to pick each next token of a request.
public struct SamplingParams: Sendable, Equatable {
    /// 0 means greedy.
    public var temperature: Float = 1
    /// 1 keeps the whole distribution.
    public var topP: Float = 1
    /// 0 (or less) keeps every token.
    public var topK: Int = 0
    /// When set, the request's draws are reproducible whatever else is batched with it.
    public var seed: UInt64?
    public var maxTokens: Int = 16

    public init(temperature: Float = 1, topP: Float = 1, topK: Int = 0, seed: UInt64? = nil, maxTokens: Int = 16) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.seed = seed
        self.maxTokens = maxTokens
    }

    /// Rejects values no sampler could honour, naming the field.
    public func validate() throws(SamplingError) {
        guard temperature.isFinite, temperature >= 0 else { throw .invalid("temperature must be >= 0, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw .invalid("top_p must be in (0, 1], got \(topP)") }
        guard maxTokens >= 1 else { throw .invalid("max_tokens must be at least 1, got \(maxTokens)") }
    }
}

/// Sampling parameters that cannot be used, with the reason.
public enum SamplingError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let why): return why }
    }
}
