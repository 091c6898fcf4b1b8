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
    /// The step's time as the scheduler's ``StepCostModel`` predicted it when planning, in
    /// seconds; `nil` without a cost model.
    public internal(set) var predictedStepTime: Double? = nil
    /// The time limit the step was planned under, in seconds; `nil` when only the token budget
    /// applied (no cost model, ``StepLatencyTarget/off``, or an automatic target with no decodes).
    public internal(set) var stepTimeLimit: Double? = nil

    /// The tokens run this step, over all requests; never above the token budget.
    public var numScheduledTokens: Int {
        scheduledRequests.reduce(0) { $0 + $1.tokenIDs.count }
    }

    /// How many rows sample a token this step.
    public var numSamplingRequests: Int {
        scheduledRequests.reduce(0) { $0 + ($1.samples ? 1 : 0) }
    }

    /// How many logit rows the step asks for: one per sampling row, plus one per draft token.
    public var numLogitRows: Int {
        scheduledRequests.reduce(0) { $0 + $1.numSampledRows }
    }

    /// What this step asks of the model, for its ``StepCostModel``.
    public var workload: StepWorkload {
        var workload = StepWorkload()
        for row in scheduledRequests {
            workload += .run(numTokens: row.tokenIDs.count, startPosition: row.startPosition,
                             numSampledRows: row.numSampledRows)
        }
        return workload
    }

    /// How many rows run a single token that samples (with its drafts, if any): the decodes, whose
    /// streams wait on this step.
    public var numDecodeRows: Int {
        scheduledRequests.reduce(0) { $0 + ($1.tokenIDs.count == 1 + $1.numSpecTokens && $1.samples ? 1 : 0) }
    }

    /// Whether nothing runs this step.
    public var isEmpty: Bool { scheduledRequests.isEmpty }
}
