extension Scheduler {
    /// Appends each sampling row's token, finishes the requests whose ``StopChecker`` says so
    /// (`max_tokens`, the model's context, EOS, a stop token id), frees their blocks, and returns
    /// them in batch order.
    ///
    /// As vLLM v1's `update_from_output`. Rows of requests finished since `output` was scheduled
    /// (aborts, stop strings) are ignored; every other sampling row must have a token in `sampledTokens`.
    ///
    /// A speculative row first appends the drafts the sampler accepted (`acceptedDrafts[id]`, a
    /// prefix of the row's drafts; none when absent), then the sampled token, checking the stop
    /// rules after each, so a draft that is EOS or reaches `max_tokens` ends the request there and
    /// what follows is dropped. The KV of rejected drafts is written but not counted:
    /// ``Request/numComputedTokens`` goes back to the accepted tokens, and the next step
    /// overwrites those slots. Only known tokens are ever hashed into the prefix cache.
    /// A request in `completedRequestIDs` (its structured-output grammar is complete with its last
    /// token) that its stop rules let go on finishes with ``FinishReason/stop``.
    @discardableResult
    public mutating func update(output: SchedulerOutput, sampledTokens: [RequestID: Int],
                                acceptedDrafts: [RequestID: Int] = [:],
                                completedRequestIDs: Set<RequestID> = []) -> [Request] {
        var finished: [Request] = []
        for row in output.scheduledRequests where row.samples {
            let id = row.requestID
            guard requests[id]?.status == .running else { continue }
            guard let token = sampledTokens[id] else {
                preconditionFailure("no sampled token for request \(id), whose row samples")
            }
            let numAccepted = min(acceptedDrafts[id] ?? 0, row.numSpecTokens)
            requests[id]?.specTokenIDs.removeAll(keepingCapacity: true)
            // The rejected drafts' KV slots do not hold the request's tokens.
            requests[id]?.numComputedTokens -= row.numSpecTokens - numAccepted
            var ending: (FinishReason, StopReason?)?
            for next in row.specTokenIDs.prefix(numAccepted) + CollectionOfOne(token) {
                // Appended in place: `guard var request = requests[id]` would share the token array
                // with the dictionary's copy, and the append would copy all of it, once per token.
                requests[id]?.append(next)
                let request = liveRequest(id)
                ending = request.stopChecker.check(
                    tokenID: next, numOutputTokens: request.numOutputTokens, numTokens: request.numTokens)
                if ending != nil { break }
            }
            let completed = ending == nil && completedRequestIDs.contains(id)
            if completed { ending = (.stop, nil) }
            guard let (reason, stopReason) = ending, var request = requests.removeValue(forKey: id) else { continue }
            leaveGroup(request)
            request.status = .finished(reason)
            request.stopReason = stopReason
            request.completedConstraint = completed
            if let index = running.firstIndex(of: id) { running.remove(at: index) }
            kvCacheManager.free(requestID: id)
            finished.append(request)
        }
        return finished
    }

    /// Sets the drafts the next step that decodes `id` verifies (speculative decoding); ignored
    /// for a request that is not running.
    public mutating func setSpecTokens(_ id: RequestID, _ tokenIDs: [Int]) {
        guard requests[id]?.status == .running else { return }
        requests[id]?.specTokenIDs = tokenIDs
    }
}
