/// The scheduler's limits, as vLLM's `SchedulerConfig` and `CacheConfig`.
public struct SchedulerConfig: Sendable, Equatable {
    /// The token budget of one step, over all scheduled requests.
    public var maxNumBatchedTokens: Int
    /// The most requests running at once.
    public var maxNumSeqs: Int
    /// The model's context: prompt plus `max_tokens` may not exceed it.
    public var maxModelLength: Int
    /// Tokens per KV block.
    public var blockSize: Int
    /// Whether full blocks are shared between requests by content.
    public var enablePrefixCaching: Bool
    /// KV blocks in the pool, the null block included.
    public var numBlocks: Int
    /// When set, no request gets more than this many tokens in one step, so a long prompt
    /// leaves budget for the prompts behind it (vLLM's `long_prefill_token_threshold`).
    public var longPrefillTokenThreshold: Int?
    /// How long one step may take, as the scheduler's ``StepCostModel`` predicts it; without a
    /// cost model only the token budget applies.
    public var maxStepLatency: StepLatencyTarget
    /// The order of admission (and of preemption).
    public var schedulingPolicy: SchedulingPolicy
    /// Speculative decoding, when on (`--speculative-config`).
    public var speculative: SpeculativeConfig?
    /// The sliding window of each KV-cache group of the model (nil: full attention), from its
    /// ``SluiceModel/KVCacheLayout``; one full-attention group by default. ``EngineCore`` sets it
    /// from the model it runs.
    public var kvCacheGroupWindows: [Int?] = [nil]
    /// The most prompt tokens a request that asked for prompt log-probabilities runs in one step:
    /// each gives a row of logits, and the executor holds this many rows beyond one per request.
    /// One such request runs its prompt per step.
    public static let promptLogprobsChunk = 64

    /// Makes a configuration; ``validate()`` checks it.
    public init(
        maxNumBatchedTokens: Int = 2048, maxNumSeqs: Int = 256, maxModelLength: Int,
        blockSize: Int = 16, enablePrefixCaching: Bool = true, numBlocks: Int,
        longPrefillTokenThreshold: Int? = nil, maxStepLatency: StepLatencyTarget = .automatic,
        schedulingPolicy: SchedulingPolicy = .fcfs, speculative: SpeculativeConfig? = nil
    ) {
        self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSeqs = maxNumSeqs
        self.maxModelLength = maxModelLength
        self.blockSize = blockSize
        self.enablePrefixCaching = enablePrefixCaching
        self.numBlocks = numBlocks
        self.longPrefillTokenThreshold = longPrefillTokenThreshold
        self.maxStepLatency = maxStepLatency
        self.schedulingPolicy = schedulingPolicy
        self.speculative = speculative
    }

    /// Rejects limits no scheduler could work with, naming the option.
    public func validate() throws(SchedulerError) {
        func check(_ condition: Bool, _ message: String) throws(SchedulerError) {
            guard condition else { throw .invalidConfig(message) }
        }
        try check(maxNumBatchedTokens >= 1, "max-num-batched-tokens must be at least 1, got \(maxNumBatchedTokens)")
        try check(maxNumSeqs >= 1, "max-num-seqs must be at least 1, got \(maxNumSeqs)")
        try check(maxModelLength >= 1, "max-model-len must be at least 1, got \(maxModelLength)")
        try check(blockSize >= 1, "block-size must be at least 1, got \(blockSize)")
        try check(numBlocks >= 2, "the KV cache holds \(numBlocks) blocks; it needs the null block and at least one more")
        try check(!kvCacheGroupWindows.isEmpty && kvCacheGroupWindows.allSatisfy { ($0 ?? 1) >= 1 },
                  "KV-cache groups need positive windows, got \(kvCacheGroupWindows)")
        if let threshold = longPrefillTokenThreshold {
            try check(threshold >= 1, "long-prefill-token-threshold must be at least 1, got \(threshold)")
        }
        try speculative?.validate()
        if case .fixed(let seconds) = maxStepLatency {
            try check(seconds.isFinite && seconds > 0, "max-step-latency-ms must be positive (0 turns it off), got \(seconds * 1000)")
        }
    }

    /// Refuses a request that could never run under these limits: an empty prompt, prompt plus
    /// `max_tokens` beyond the model's context, more KV blocks than the whole pool, or a priority
    /// other than 0 when the policy is not ``SchedulingPolicy/priority`` (as vLLM refuses it).
    public func check(requestID id: RequestID, numPromptTokens: Int, maxTokens: Int, priority: Int = 0) throws(SchedulerError) {
        guard numPromptTokens > 0 else { throw .emptyPrompt(id) }
        guard priority == 0 || schedulingPolicy == .priority else { throw .priorityNotEnabled(id, priority: priority) }
        guard numPromptTokens + maxTokens <= maxModelLength else {
            throw .exceedsMaxModelLength(
                id, numPromptTokens: numPromptTokens, maxTokens: maxTokens, maxModelLength: maxModelLength)
        }
        // A sliding group's blocks are released as the sequence moves on, but a whole step's tokens
        // are held at once: the request must fit the pool with steps as large as the budget.
        let numBlocksNeeded = kvCapacity.blocksHeld(forTokens: numPromptTokens + maxTokens - 1, chunkTokens: maxNumBatchedTokens)
        guard numBlocksNeeded <= kvCapacity.numUsableBlocks else {
            throw .exceedsKVCache(id, numBlocksNeeded: numBlocksNeeded, numUsableBlocks: kvCapacity.numUsableBlocks)
        }
    }

    /// The KV pool's arithmetic: blocks per token count, usable blocks, sequences that fit.
    public var kvCapacity: KVCapacity { KVCapacity(numBlocks: numBlocks, blockSize: blockSize, groupWindows: kvCacheGroupWindows) }
}
