extension Scheduler {
    /// Preempts the most recently admitted running request by recompute and returns its id.
    ///
    /// As in vLLM v1 and nano-vllm: its blocks are freed (full ones stay cached for its return),
    /// it forgets its computed tokens, keeps its outputs, and goes to the front of the waiting
    /// queue, so it resumes before anything admitted after it (ARCHITECTURE.md, decision 5).
    mutating func preemptLastRunning() -> RequestID {
        let id = running.removeLast()
        kvCacheManager.free(requestID: id)
        requests[id]?.status = .preempted
        requests[id]?.numComputedTokens = 0
        requests[id]?.numPreemptions += 1
        numPreemptions += 1
        waiting.insert(id, at: 0)
        return id
    }
}
