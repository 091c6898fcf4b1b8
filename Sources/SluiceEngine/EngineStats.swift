/// The engine's gauges and counters for metrics (vLLM's `SchedulerStats` and iteration stats),
/// as of the step thread's last turn.
public struct EngineStats: Sendable, Equatable {
    /// Requests admitted and holding KV blocks (each completion of `n > 1` counts).
    public var numRunning: Int
    /// Requests queued, preempted ones and ones not yet seen by the step thread included.
    public var numWaiting: Int
    /// The fraction of usable KV blocks held, in [0, 1].
    public var kvCacheUsage: Double
    /// KV blocks in the pool, the null block excluded.
    public var numUsableBlocks: Int
    /// Prompt tokens looked up in the prefix cache at admission, and of those, found.
    public var prefixCacheQueries: Int
    public var prefixCacheHits: Int
    /// Preemptions by recompute since start.
    public var numPreemptions: Int
    /// Tokens run through the model since start (prompts, recomputes and decodes; hits excluded).
    public var numComputedTokens: Int
    /// The last step's measured time (forward pass and sampling), in seconds; `nil` before the first.
    public var lastStepTime: Double?
    /// The scheduler's prediction for the last step, in seconds; `nil` before the first step or
    /// without a cost model.
    public var lastPredictedStepTime: Double?
    /// The cost model's online correction (measured over calibrated time); `nil` without a model.
    public var stepCostCorrection: Double?
    /// Speculative decoding's counters since start (all zero with it off).
    public var specDecode: SpecDecodeStats

    init(core: EngineCore) {
        let scheduler = core.scheduler
        numRunning = scheduler.numRunning
        numWaiting = scheduler.numWaiting
        kvCacheUsage = scheduler.kvCacheUsage
        numUsableBlocks = scheduler.config.kvCapacity.numUsableBlocks
        prefixCacheQueries = scheduler.prefixCacheStats.queries
        prefixCacheHits = scheduler.prefixCacheStats.hits
        numPreemptions = scheduler.numPreemptions
        numComputedTokens = core.numComputedTokensTotal
        lastStepTime = core.lastStep?.time
        lastPredictedStepTime = core.lastStep?.predictedTime
        stepCostCorrection = scheduler.costModel?.correction
        specDecode = core.specDecodeStats
    }
}
