extension Scheduler {
    /// Preempts a running request by recompute and returns its id: under FCFS the most recently
    /// admitted one, under priority the one with the highest priority value (then the latest
    /// arrival), as vLLM's scheduler picks; never one in `protected` (already scheduled this step).
    ///
    /// As in vLLM v1 and nano-vllm: its blocks are freed (full ones stay cached for its return),
    /// it forgets its computed tokens, keeps its outputs, and goes back to the waiting queue, under
    /// FCFS at the front, so it resumes before anything admitted after it (ARCHITECTURE.md,
    /// decision 5). The caller's own request is never protected, so there is always a victim.
    mutating func preemptOne(protecting protected: Set<RequestID>) -> RequestID {
        let candidates = running.indices.filter { !protected.contains(running[$0]) }
        let chosen: Int?
        switch config.schedulingPolicy {
        case .fcfs: chosen = candidates.last
        case .priority: chosen = candidates.max { priorityKey(running[$0]) < priorityKey(running[$1]) }
        }
        guard let index = chosen else { preconditionFailure("every running request is protected from preemption") }
        let id = running.remove(at: index)
        kvCacheManager.free(requestID: id)
        requests[id]?.status = .preempted
        requests[id]?.numComputedTokens = 0
        requests[id]?.specTokenIDs.removeAll()
        requests[id]?.numPreemptions += 1
        numPreemptions += 1
        enqueue(id, preempted: true)
        return id
    }
}
