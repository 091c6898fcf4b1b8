/// Where a request is in its life, as vLLM v1's `RequestStatus` (vllm/v1/request.py).
public enum RequestStatus: Sendable, Equatable {
    /// Queued, never admitted yet.
    case waiting
    /// Admitted: it holds KV blocks and is scheduled each step the budget allows.
    case running
    /// Evicted by recompute; back in the waiting queue with its outputs kept.
    case preempted
    /// Done; it holds no blocks.
    case finished(FinishReason)

    /// Whether the request is done.
    public var isFinished: Bool {
        if case .finished = self { return true }
        return false
    }
}
