extension Scheduler {
    /// Appends each sampling row's token, finishes the requests whose ``StopChecker`` says so
    /// (`max_tokens`, the model's context, EOS, a stop token id), frees their blocks, and returns
    /// them in batch order.
    ///
    /// As vLLM v1's `update_from_output`. Rows of requests finished since `output` was scheduled
    /// (aborts, stop strings) are ignored; every other sampling row must have a token in `sampledTokens`.
    /// A request in `completedRequestIDs` (its structured-output grammar is complete) that its stop rules
    /// let go on finishes with ``FinishReason/stop``.
    @discardableResult
    public mutating func update(
        output: SchedulerOutput, sampledTokens: [RequestID: Int], completedRequestIDs: Set<RequestID> = []
    ) -> [Request] {
        var finished: [Request] = []
        for row in output.scheduledRequests where row.samples {
            let id = row.requestID
            guard requests[id]?.status == .running else { continue }
            guard let token = sampledTokens[id] else {
                preconditionFailure("no sampled token for request \(id), whose row samples")
            }
            // Appended in place: `guard var request = requests[id]` would share the token array
            // with the dictionary's copy, and the append would copy all of it, once per token.
            requests[id]?.append(token)
            let request = liveRequest(id)
            var stopped = request.stopChecker.check(
                tokenID: token, numOutputTokens: request.numOutputTokens, numTokens: request.numTokens)
            let completed = stopped == nil && completedRequestIDs.contains(id)
            if completed { stopped = (.stop, nil) }
            guard let (reason, stopReason) = stopped else { continue }
            guard var request = requests.removeValue(forKey: id) else { continue }
            request.status = .finished(reason)
            request.stopReason = stopReason
            request.completedConstraint = completed
            if let index = running.firstIndex(of: id) { running.remove(at: index) }
            kvCacheManager.free(requestID: id)
            finished.append(request)
        }
        return finished
    }
}
