/// How to pick each next token of a request, and when to stop: the fields of vLLM's
/// `SamplingParams` (vllm/sampling_params.py) that the OpenAI API reaches, with its ranges.
public struct SamplingParams: Sendable, Equatable {
    /// 0 means greedy.
    public var temperature: Float = 1
    /// 1 keeps the whole distribution.
    public var topP: Float = 1
    /// 0 or -1 keeps every token.
    public var topK: Int = 0
    /// Drops tokens whose probability is below `minP` times the likeliest one's; 0 keeps all.
    public var minP: Float = 0
    /// When set, the request's draws are reproducible whatever else is batched with it.
    public var seed: UInt64?
    /// The most tokens to generate.
    public var maxTokens: Int = 16
    /// Stop tokens (EOS and ``stopTokenIDs``) are impossible before this many outputs.
    public var minTokens: Int = 0
    /// How many completions to generate for the prompt; they share its KV blocks.
    public var n: Int = 1
    /// Above 1 discourages, below 1 encourages any token seen in the prompt or output (CTRL's rule:
    /// positive logits are divided by it, negative ones multiplied).
    public var repetitionPenalty: Float = 1
    /// Subtracted from a token's logit once per time it was generated, in [-2, 2].
    public var frequencyPenalty: Float = 0
    /// Subtracted from a token's logit once if it was generated, in [-2, 2].
    public var presencePenalty: Float = 0
    /// Added to the logit of each token id, in [-100, 100] as OpenAI allows.
    public var logitBias: [Int: Float] = [:]
    /// Keep generating past EOS (the `stopTokenIDs` still stop).
    public var ignoreEOS = false
    /// Token ids that finish the request with ``FinishReason/stop``, besides EOS.
    public var stopTokenIDs: [Int] = []
    /// Strings that finish the request with ``FinishReason/stop``; the text ends before them.
    public var stop: [String] = []
    /// Keep the stop string that matched at the end of the text.
    public var includeStopStringInOutput = false
    /// When set, each generated token comes with its log-probability and this many likeliest
    /// alternatives, from the model's raw distribution (before temperature, penalties or filters).
    public var logprobs: Int?
    /// When set, each prompt token after the first comes with its log-probability given the tokens
    /// before it and this many likeliest alternatives (vLLM's `prompt_logprobs`), from the same
    /// forward passes as the prefill. Such a request does not use the prefix cache (every prompt
    /// position must be computed) and its prompt runs in chunks of at most
    /// ``SchedulerConfig/promptLogprobsChunk`` tokens.
    public var promptLogprobs: Int?
    /// Leave control tokens (EOS, chat markers) out of the text.
    public var skipSpecialTokens = true
    /// When set, the output must match this compiled grammar (a JSON schema, a regex, a choice): the
    /// tokens it does not allow are never sampled, and the request stops once it is complete.
    public var structuredOutput: StructuredOutput?
    /// When set, ``structuredOutput`` is lazy: it applies only from one of these triggers until it is
    /// complete, and never ends the request by itself.
    public var grammarTriggers: GrammarTriggers?
    /// When set, ``structuredOutput`` (eager or lazy) waits until the output has ended the model's thought
    /// here, and applies only to the answer after it.
    public var reasoningEnd: ReasoningEnd?

    public init(temperature: Float = 1, topP: Float = 1, topK: Int = 0, seed: UInt64? = nil, maxTokens: Int = 16) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.seed = seed
        self.maxTokens = maxTokens
    }

    /// The most alternatives ``logprobs`` may ask for, as vLLM's default `max_logprobs`.
    public static let maxLogprobs = 20
    /// The most completions ``n`` may ask for.
    public static let maxN = 128

    /// Whether sampling is a plain argmax.
    public var isGreedy: Bool { temperature < Sampler.greedyTemperature }

    /// Rejects values no sampler could honour, naming the field as the OpenAI API spells it.
    public func validate() throws(SamplingError) {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(SamplingError) {
            guard condition else { throw .invalid(message()) }
        }
        try check(temperature.isFinite && temperature >= 0, "temperature must be >= 0, got \(temperature)")
        try check(topP > 0 && topP <= 1, "top_p must be in (0, 1], got \(topP)")
        try check(topK >= -1, "top_k must be -1 (disable) or at least 1, got \(topK)")
        try check(minP >= 0 && minP <= 1, "min_p must be in [0, 1], got \(minP)")
        try check(maxTokens >= 1, "max_tokens must be at least 1, got \(maxTokens)")
        try check(minTokens >= 0, "min_tokens must be >= 0, got \(minTokens)")
        try check(minTokens <= maxTokens, "min_tokens (\(minTokens)) must be <= max_tokens (\(maxTokens))")
        try check(n >= 1 && n <= Self.maxN, "n must be in [1, \(Self.maxN)], got \(n)")
        try check(repetitionPenalty.isFinite && repetitionPenalty > 0,
                  "repetition_penalty must be > 0, got \(repetitionPenalty)")
        try check(frequencyPenalty >= -2 && frequencyPenalty <= 2,
                  "frequency_penalty must be in [-2, 2], got \(frequencyPenalty)")
        try check(presencePenalty >= -2 && presencePenalty <= 2,
                  "presence_penalty must be in [-2, 2], got \(presencePenalty)")
        for (token, bias) in logitBias {
            try check(token >= 0, "logit_bias has a negative token id \(token)")
            try check(bias >= -100 && bias <= 100, "logit_bias for token \(token) must be in [-100, 100], got \(bias)")
        }
        for token in stopTokenIDs { try check(token >= 0, "stop_token_ids has a negative token id \(token)") }
        for string in stop { try check(!string.isEmpty, "stop strings must not be empty") }
        if let logprobs {
            try check(logprobs >= 0 && logprobs <= Self.maxLogprobs,
                      "logprobs must be in [0, \(Self.maxLogprobs)], got \(logprobs)")
        }
        if let promptLogprobs {
            try check(promptLogprobs >= 0 && promptLogprobs <= Self.maxLogprobs,
                      "prompt_logprobs must be in [0, \(Self.maxLogprobs)], got \(promptLogprobs)")
        }
    }

    /// Also rejects token ids outside a vocabulary of `vocabularySize` tokens.
    public func validate(vocabularySize: Int) throws(SamplingError) {
        try validate()
        for token in logitBias.keys where token >= vocabularySize {
            throw .invalid("logit_bias names token \(token); the vocabulary has \(vocabularySize) tokens")
        }
        for token in stopTokenIDs where token >= vocabularySize {
            throw .invalid("stop_token_ids names token \(token); the vocabulary has \(vocabularySize) tokens")
        }
        if let structuredOutput, structuredOutput.vocabulary.size > vocabularySize {
            throw .invalid("the structured output grammar was built for \(structuredOutput.vocabulary.size) tokens; "
                           + "the model has \(vocabularySize)")
        }
        if let grammarTriggers {
            if structuredOutput == nil { throw .invalid("grammar triggers need a structured output to start") }
            for token in grammarTriggers.tokenIDs where token < 0 || token >= vocabularySize {
                throw .invalid("a grammar trigger names token \(token); the vocabulary has \(vocabularySize) tokens")
            }
        }
        if let reasoningEnd {
            if structuredOutput == nil { throw .invalid("a reasoning end needs a structured output to start after it") }
            if reasoningEnd.pattern.isEmpty { throw .invalid("a reasoning end's pattern must not be empty") }
            for token in reasoningEnd.tokenIDs where token < 0 || token >= vocabularySize {
                throw .invalid("the reasoning end names token \(token); the vocabulary has \(vocabularySize) tokens")
            }
        }
    }
}

/// Sampling parameters that cannot be used, with the reason.
public enum SamplingError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let why): return why }
    }
}
