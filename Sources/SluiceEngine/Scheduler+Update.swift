extension Scheduler {
    /// Appends each sampling row's token, finishes requests that hit `max_tokens`, the model's
    /// context, or an EOS token, frees their blocks, and returns them in batch order.
    ///
    /// As vLLM v1's `update_from_output` and `check_stop`: length is checked before EOS, so a
    /// request whose last allowed token is EOS finishes with ``FinishReason/length``. Rows of
    /// requests aborted since `output` was scheduled are ignored; every other sampling row must
    /// have a token in `sampledTokens`.
    @discardableResult
    public mutating func update(output: SchedulerOutput, sampledTokens: [RequestID: Int]) -> [Request] {
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
            guard let (reason, stopReason) = finishReason(liveRequest(id), lastToken: token) else { continue }
            guard var request = requests.removeValue(forKey: id) else { continue }
            request.status = .finished(reason)
            request.stopReason = stopReason
            if let index = running.firstIndex(of: id) { running.remove(at: index) }
            kvCacheManager.free(requestID: id)
            finished.append(request)
        }
        return finished
    }

    /// Why the request stops after sampling `lastToken`, or `nil` when it goes on.
    ///
    /// Before `min_tokens` outputs no stop token counts (the sampler bans them anyway); EOS
    /// does not stop a request that ignores it, but its `stop_token_ids` still do.
    private func finishReason(_ request: Request, lastToken: Int) -> (FinishReason, StopReason?)? {
        let params = request.samplingParams
        if request.numOutputTokens >= params.maxTokens || request.numTokens >= config.maxModelLength {
            return (.length, nil)
        }
        guard request.numOutputTokens >= params.minTokens else { return nil }
        if !params.ignoreEOS && eosTokenIDs.contains(lastToken) { return (.stop, nil) }
        if params.stopTokenIDs.contains(lastToken) { return (.stop, .tokenID(lastToken)) }
        return nil
    }
}
