/// What one step runs: the scheduled requests in batch order, and what changed since the last
/// step, as vLLM v1's `SchedulerOutput` (vllm/v1/core/sched/output.py).
///
/// The engine loop hands ``makeForwardBatch()`` to the model runner, samples one token for each
/// row whose ``ScheduledRequest/samples`` is set, then passes this output back to
/// ``Scheduler/update(output:sampledTokens:)``.
public struct SchedulerOutput: Sendable {
    /// The scheduled requests, running ones first, then newly admitted ones, in batch order.
    public let scheduledRequests: [ScheduledRequest]
    /// Requests preempted by recompute during this step; their KV is gone.
    public let preemptedRequestIDs: [RequestID]
    /// Requests aborted since the previous step; the runner may drop any state it keeps for them.
    public let finishedRequestIDs: [RequestID]
    /// Tokens per KV block, for slot mapping.
    public let blockSize: Int

    /// The tokens run this step, over all requests; never above the token budget.
    public var numScheduledTokens: Int {
        scheduledRequests.reduce(0) { $0 + $1.tokenIDs.count }
    }

    /// How many rows sample a token this step.
    public var numSamplingRequests: Int {
        scheduledRequests.reduce(0) { $0 + ($1.samples ? 1 : 0) }
    }

    /// Whether nothing runs this step.
    public var isEmpty: Bool { scheduledRequests.isEmpty }
}
