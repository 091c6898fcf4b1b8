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
            guard var request = requests[row.requestID], request.status == .running else { continue }
            guard let token = sampledTokens[row.requestID] else {
                preconditionFailure("no sampled token for request \(row.requestID), whose row samples")
            }
            request.append(token)
            if let (reason, stopReason) = finishReason(request, lastToken: token) {
                request.status = .finished(reason)
                request.stopReason = stopReason
                requests[row.requestID] = nil
                if let index = running.firstIndex(of: row.requestID) { running.remove(at: index) }
                kvCacheManager.free(requestID: row.requestID)
                finished.append(request)
            } else {
                requests[row.requestID] = request
            }
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
