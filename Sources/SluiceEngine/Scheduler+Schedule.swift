extension Scheduler {
    /// Picks this step's tokens: running requests first, in admission order, then waiting ones
    /// in FCFS order, within the token budget and the sequence cap.
    ///
    /// As vLLM v1's `Scheduler.schedule`: each request gets `min(remaining tokens, budget)`, so a
    /// decode gets 1 token and a long prompt is chunked. When a running request's blocks cannot
    /// be allocated, the most recently admitted running request is preempted and the allocation
    /// retried; if that was the request itself, it waits. A step that preempted admits nobody,
    /// and admission stops at the first waiting request that does not fit (no skipping).
    /// Each scheduled request's ``Request/numComputedTokens`` advances at once.
    public mutating func schedule() -> SchedulerOutput {
        var budget = config.maxNumBatchedTokens
        var scheduled: [SchedulerOutput.ScheduledRequest] = []
        var preempted: [RequestID] = []

        var index = 0
        while index < running.count && budget > 0 {
            let id = running[index]
            let request = liveRequest(id)
            let numNewTokens = numTokensToSchedule(request.numRemainingTokens, budget: budget)
            guard numNewTokens > 0 else {
                // It sampled last step and awaits update(output:sampledTokens:).
                index += 1
                continue
            }
            var allocated = false
            while !allocated {
                allocated = kvCacheManager.allocateSlots(
                    requestID: id, tokenIDs: request.allTokenIDs,
                    numComputedTokens: request.numComputedTokens, numNewTokens: numNewTokens) != nil
                if !allocated {
                    let victim = preemptLastRunning()
                    preempted.append(victim)
                    if victim == id { break }
                }
            }
            guard allocated else { break }
            scheduled.append(commit(id, numNewTokens: numNewTokens))
            budget -= numNewTokens
            index += 1
        }

        if preempted.isEmpty {
            while let id = waiting.first, budget > 0, running.count < config.maxNumSeqs {
                guard let row = admit(id, budget: budget) else { break }
                scheduled.append(row)
                budget -= row.tokenIDs.count
            }
        }

        let output = SchedulerOutput(
            scheduledRequests: scheduled, preemptedRequestIDs: preempted,
            finishedRequestIDs: abortedSinceLastStep, blockSize: config.blockSize)
        abortedSinceLastStep.removeAll()
        return output
    }

    /// Admits the front waiting request with its prefix-cache hit and up to `budget` tokens, or
    /// returns `nil` (changing nothing it holds) when its blocks do not fit.
    private mutating func admit(_ id: RequestID, budget: Int) -> SchedulerOutput.ScheduledRequest? {
        var request = liveRequest(id)
        // Waiting and preempted requests hold nothing: numComputedTokens is 0, so the hit is
        // all of its computed tokens, as the manager's call order asks.
        let (hits, numHitTokens) = kvCacheManager.getComputedBlocks(
            requestID: id, tokenIDs: request.allTokenIDs)
        let numNewTokens = numTokensToSchedule(request.numTokens - numHitTokens, budget: budget)
        guard kvCacheManager.allocateSlots(
            requestID: id, tokenIDs: request.allTokenIDs, numComputedTokens: 0,
            numNewTokens: numNewTokens, newComputedBlocks: hits) != nil
        else { return nil }

        waiting.removeFirst()
        running.append(id)
        request.status = .running
        request.numComputedTokens = numHitTokens
        if request.numCachedTokens == nil { request.numCachedTokens = numHitTokens }
        if kvCacheManager.enablePrefixCaching {
            prefixCacheStats.requests += 1
            prefixCacheStats.queries += request.numTokens
            prefixCacheStats.hits += numHitTokens
        }
        requests[id] = request
        return commit(id, numNewTokens: numNewTokens)
    }

    /// Records that `numNewTokens` more of the request's tokens run this step, and describes them.
    private mutating func commit(_ id: RequestID, numNewTokens: Int) -> SchedulerOutput.ScheduledRequest {
        var request = liveRequest(id)
        let start = request.numComputedTokens
        request.numComputedTokens += numNewTokens
        requests[id] = request
        return SchedulerOutput.ScheduledRequest(
            requestID: id, tokenIDs: Array(request.allTokenIDs[start..<start + numNewTokens]),
            startPosition: start, blockIDs: kvCacheManager.blockIDs(requestID: id),
            samples: request.numComputedTokens == request.numTokens)
    }

    /// The tokens a request with `numRemainingTokens` to compute gets: capped by the budget and
    /// by the long-prefill threshold.
    private func numTokensToSchedule(_ numRemainingTokens: Int, budget: Int) -> Int {
        let threshold = config.longPrefillTokenThreshold ?? Int.max
        return max(0, min(numRemainingTokens, budget, threshold))
    }

    /// A request the queues name; they only name live ones.
    func liveRequest(_ id: RequestID) -> Request {
        guard let request = requests[id] else { preconditionFailure("request \(id) is queued but unknown") }
        return request
    }
}
