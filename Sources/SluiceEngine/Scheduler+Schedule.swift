extension Scheduler {
    /// Picks this step's tokens: one for every decoding request first, then the running prompts'
    /// next chunks, oldest first (by priority under ``SchedulingPolicy/priority``), then waiting
    /// requests in queue order, within the token budget, the sequence cap and the step's time limit.
    ///
    /// As vLLM v1's `Scheduler.schedule`, each request gets at most its remaining tokens and what
    /// is left of the budget, so a long prompt is chunked; a decode is never skipped because a
    /// prompt runs, since decodes are planned before any prompt (only the hard token cap can leave
    /// one out). With a ``costModel``, each prompt chunk is the largest whose addition keeps the
    /// step's predicted time under ``SchedulerConfig/maxStepLatency``; when the step would
    /// otherwise be empty, one prompt token runs whatever the limit, so nothing waits forever.
    ///
    /// When a running request's blocks cannot be allocated, another running request not yet
    /// scheduled this step is preempted (``preemptOne(protecting:)``) and the allocation retried;
    /// if that was the request itself, it waits. A step that preempted admits nobody, and
    /// admission stops at the first waiting request that does not fit (no skipping). Each
    /// scheduled request's ``Request/numComputedTokens`` advances at once.
    public mutating func schedule() -> SchedulerOutput {
        stepTokenIDs.removeAll(keepingCapacity: true)
        var plan = StepPlan(tokenBudget: config.maxNumBatchedTokens)
        scheduleDecodes(&plan)
        if let costModel {
            let decodeTime = plan.scheduled.isEmpty ? nil : costModel.predictedTime(of: plan.workload)
            let promptTokens = StepWorkload.run(numTokens: StepLatencyTarget.automaticPromptTokens, startPosition: 0,
                                                samples: false)
            plan.timeLimit = config.maxStepLatency.stepTimeLimit(
                predictedDecodeTime: decodeTime, predictedWithPromptTokens: costModel.predictedTime(of: plan.workload + promptTokens))
        }
        schedulePrompts(&plan)
        if plan.preempted.isEmpty {
            while let id = waiting.first, plan.tokenBudget > 0, running.count < config.maxNumSeqs {
                guard admit(id, plan: &plan) else { break }
            }
        }

        // Sliced only now: a slice taken while the array still grew would make the next append copy it.
        let rows = plan.scheduled.map { row in
            var scheduled = SchedulerOutput.ScheduledRequest(
                requestID: row.requestID, tokenIDs: stepTokenIDs[row.tokenRange], startPosition: row.startPosition,
                blockTables: row.blockTables, samples: row.samples)
            scheduled.numSpecTokens = row.numSpecTokens
            scheduled.logitsForAllTokens = row.logitsForAllTokens
            return scheduled
        }
        var output = SchedulerOutput(
            scheduledRequests: rows, preemptedRequestIDs: plan.preempted,
            finishedRequestIDs: abortedSinceLastStep, blockSize: config.blockSize)
        output.predictedStepTime = costModel?.predictedTime(of: plan.workload)
        output.stepTimeLimit = plan.timeLimit
        abortedSinceLastStep.removeAll()
        return output
    }

    /// The step being planned.
    struct StepPlan {
        /// Tokens still allowed this step (`--max-num-batched-tokens` is a hard cap).
        var tokenBudget: Int
        /// A row as planned: its tokens are a range of ``Scheduler/stepTokenIDs``.
        struct Row {
            let requestID: RequestID
            let tokenRange: Range<Int>
            let startPosition: Int
            let blockTables: [[BlockID]]
            let samples: Bool
            /// Draft tokens at the end of the range (speculative decoding).
            var numSpecTokens = 0
            /// A prompt chunk whose every token gives logits (prompt log-probabilities).
            var logitsForAllTokens = false

            var numSampledRows: Int { logitsForAllTokens ? tokenRange.count : samples ? 1 + numSpecTokens : 0 }
        }

        /// The rows so far, in batch order.
        var scheduled: [Row] = []
        /// The requests of ``scheduled``, which preemption must not take.
        var scheduledIDs: Set<RequestID> = []
        /// Requests preempted while planning.
        var preempted: [RequestID] = []
        /// What the rows so far ask of the model.
        var workload = StepWorkload()
        /// The predicted time the step may reach, in seconds; `nil` for the token budget alone.
        var timeLimit: Double?
        /// Whether a prompt chunk with prompt log-probabilities is already planned (one per step).
        var hasPromptLogprobsRow = false

        mutating func add(_ row: Row) {
            scheduled.append(row)
            scheduledIDs.insert(row.requestID)
            tokenBudget -= row.tokenRange.count
            workload += .run(numTokens: row.tokenRange.count, startPosition: row.startPosition,
                             numSampledRows: row.numSampledRows)
            if row.logitsForAllTokens { hasPromptLogprobsRow = true }
        }
    }

    /// Gives one token to each running request that has exactly one to compute, in admission
    /// order, while the token budget lasts; with speculative decoding on and few enough requests
    /// running, its draft tokens run in the same row (vLLM v1's `num_tokens_with_spec`).
    private mutating func scheduleDecodes(_ plan: inout StepPlan) {
        let speculates = config.speculative.map { running.count <= $0.disableByBatchSize } ?? false
        for id in running where plan.tokenBudget > 0 {
            guard let request = requests[id], request.status == .running, request.numRemainingTokens == 1 else { continue }
            var numDrafts = speculates ? numDraftsToSchedule(request, tokenBudget: plan.tokenBudget) : 0
            // Drafts never preempt anyone: without room for them the request decodes plainly.
            if numDrafts > 0, !kvCacheManager.canAllocate(
                requestID: id, numComputedTokens: request.numComputedTokens, numNewTokens: 1 + numDrafts) {
                numDrafts = 0
            }
            if numDrafts < request.specTokenIDs.count { requests[id]?.specTokenIDs.removeLast(request.specTokenIDs.count - numDrafts) }
            if allocateRunning(id, numNewTokens: 1 + numDrafts, plan: &plan) {
                commit(id, numNewTokens: 1 + numDrafts, to: &plan)
            } else {
                // Preempted: its drafts followed tokens whose KV is gone.
                requests[id]?.specTokenIDs.removeAll()
            }
        }
    }

    /// How many of the request's drafts fit: within the budget (its own token first), the model's
    /// context and `max_tokens` (a draft past either could never be kept).
    private func numDraftsToSchedule(_ request: Request, tokenBudget: Int) -> Int {
        let roomInContext = config.maxModelLength - request.numTokens
        let roomInOutput = request.samplingParams.maxTokens - request.numOutputTokens - 1
        return max(0, min(request.specTokenIDs.count, tokenBudget - 1, roomInContext, roomInOutput))
    }

    /// Gives the step's remaining tokens and time to running requests with more than one token to
    /// compute (prompt chunks, recomputes), oldest first, or by priority under that policy.
    private mutating func schedulePrompts(_ plan: inout StepPlan) {
        var order = running.filter { (requests[$0]?.numRemainingTokens ?? 0) > 1 }
        if config.schedulingPolicy == .priority { order.sort { priorityKey($0) < priorityKey($1) } }
        for id in order where plan.tokenBudget > 0 {
            guard let request = requests[id], request.status == .running else { continue }
            // One prompt with prompt log-probabilities per step: the others wait their turn.
            if wantsPromptLogprobs(request), plan.hasPromptLogprobsRow { continue }
            let numNewTokens = numPromptTokensToSchedule(
                startPosition: request.numComputedTokens, numRemainingTokens: request.numRemainingTokens, plan: plan,
                promptLogprobs: wantsPromptLogprobs(request))
            guard numNewTokens > 0 else { break }
            if allocateRunning(id, numNewTokens: numNewTokens, plan: &plan) {
                commit(id, numNewTokens: numNewTokens, to: &plan)
            }
        }
    }

    /// Allocates slots for `numNewTokens` more tokens of the running request `id`, preempting
    /// others (never one already scheduled this step) until they fit; false when `id` itself was
    /// the one preempted.
    private mutating func allocateRunning(_ id: RequestID, numNewTokens: Int, plan: inout StepPlan) -> Bool {
        while true {
            let request = liveRequest(id)
            if kvCacheManager.allocateSlots(
                requestID: id, tokenIDs: request.allTokenIDs, numComputedTokens: request.numComputedTokens,
                numNewTokens: numNewTokens) != nil {
                return true
            }
            let victim = preemptOne(protecting: plan.scheduledIDs)
            plan.preempted.append(victim)
            if victim == id { return false }
        }
    }

    /// Admits the front waiting request with its prefix-cache hit and the tokens the step still
    /// has room and time for; false (changing nothing it holds) when none fit or its blocks do not.
    private mutating func admit(_ id: RequestID, plan: inout StepPlan) -> Bool {
        let request = liveRequest(id)
        if wantsPromptLogprobs(request), plan.hasPromptLogprobsRow { return false }
        // No time left even for one token at the shallowest depth: skip hashing the prompt.
        guard numPromptTokensToSchedule(startPosition: 0, numRemainingTokens: request.numTokens, plan: plan) > 0
        else { return false }
        // Waiting and preempted requests hold nothing: numComputedTokens is 0, so the hit is
        // all of its computed tokens, as the manager's call order asks.
        // Prompt log-probabilities need every prompt position computed: no cache hits.
        let (hits, numHitTokens) = wantsPromptLogprobs(request)
            ? (KVCacheBlocks.empty, 0)
            : kvCacheManager.getComputedBlocks(requestID: id, tokenIDs: request.allTokenIDs)
        let numNewTokens = numPromptTokensToSchedule(
            startPosition: numHitTokens, numRemainingTokens: request.numTokens - numHitTokens, plan: plan,
            promptLogprobs: wantsPromptLogprobs(request))
        guard numNewTokens > 0, kvCacheManager.allocateSlots(
            requestID: id, tokenIDs: request.allTokenIDs, numComputedTokens: 0,
            numNewTokens: numNewTokens, newComputedBlocks: hits) != nil
        else { return false }

        waiting.removeFirst()
        running.append(id)
        requests[id]?.status = .running
        requests[id]?.numComputedTokens = numHitTokens
        if request.numCachedTokens == nil { requests[id]?.numCachedTokens = numHitTokens }
        if kvCacheManager.enablePrefixCaching {
            prefixCacheStats.requests += 1
            prefixCacheStats.queries += request.numTokens
            prefixCacheStats.hits += numHitTokens
        }
        commit(id, numNewTokens: numNewTokens, to: &plan)
        return true
    }

    /// Records that `numNewTokens` more of the request's tokens run this step, and adds its row.
    /// Tokens past the request's known ones are its drafts, which run at the end of the row.
    private mutating func commit(_ id: RequestID, numNewTokens: Int, to plan: inout StepPlan) {
        let start = liveRequest(id).numComputedTokens
        // In place: a copy of the request would share its token array, and any later append
        // to it would copy the whole array.
        requests[id]?.numComputedTokens += numNewTokens
        let request = liveRequest(id)
        let first = stepTokenIDs.count
        let numKnown = min(numNewTokens, request.numTokens - start)
        let numDrafts = numNewTokens - numKnown
        stepTokenIDs.append(contentsOf: request.allTokenIDs[start..<start + numKnown])
        stepTokenIDs.append(contentsOf: request.specTokenIDs.prefix(numDrafts))
        var row = StepPlan.Row(
            requestID: id, tokenRange: first..<stepTokenIDs.count, startPosition: start,
            blockTables: kvCacheManager.blockTables(requestID: id), samples: request.numComputedTokens >= request.numTokens)
        row.numSpecTokens = numDrafts
        row.logitsForAllTokens = request.samplingParams.promptLogprobs != nil && start < request.numPromptTokens && numDrafts == 0
        plan.add(row)
    }

    /// The tokens a prompt (or recompute) from `startPosition` with `numRemainingTokens` to go
    /// gets: capped by the budget and the long-prefill threshold, then by the step's time limit.
    ///
    /// The chunk is the largest whose row keeps the step's predicted time within the limit
    /// (predicted time only grows with the chunk, so a bisection finds it). When the step has
    /// nothing else, one token runs even past the limit, so a limit below the cost of any step
    /// cannot stop the engine.
    private func numPromptTokensToSchedule(startPosition: Int, numRemainingTokens: Int, plan: StepPlan,
                                           promptLogprobs: Bool = false) -> Int {
        var threshold = config.longPrefillTokenThreshold ?? Int.max
        if promptLogprobs { threshold = min(threshold, SchedulerConfig.promptLogprobsChunk) }
        let cap = max(0, min(numRemainingTokens, plan.tokenBudget, threshold))
        guard cap > 0, let limit = plan.timeLimit, let costModel else { return cap }
        func fits(_ numTokens: Int) -> Bool {
            let row = StepWorkload.run(numTokens: numTokens, startPosition: startPosition,
                                       samples: numTokens == numRemainingTokens)
            return costModel.predictedTime(of: plan.workload + row) <= limit
        }
        if fits(cap) { return cap }
        var low = 0  // fits, or 0
        var high = cap  // does not fit
        while high - low > 1 {
            let middle = (low + high) / 2
            if fits(middle) { low = middle } else { high = middle }
        }
        return plan.scheduled.isEmpty ? max(low, 1) : low
    }

    /// Whether the request's prompt chunks give a logit row per token (prompt log-probabilities),
    /// while its prompt is still being computed.
    func wantsPromptLogprobs(_ request: Request) -> Bool {
        request.samplingParams.promptLogprobs != nil && request.numComputedTokens < request.numPromptTokens
    }

    /// A request the queues name; they only name live ones.
    func liveRequest(_ id: RequestID) -> Request {
        guard let request = requests[id] else { preconditionFailure("request \(id) is queued but unknown") }
        return request
    }
}
