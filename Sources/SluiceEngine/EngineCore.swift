import SluiceCPU
import SluiceModel

/// The step loop's state: the scheduler, the backend's executor and one sampler per request, owned by a
/// single thread without locks (ARCHITECTURE.md, decision 7).
///
/// ``step()`` is the one step of both paths, online (``Engine``'s step thread) and offline
/// (``LLM``): schedule, run one batched forward pass, sample every row that reached the end of its
/// tokens, let the scheduler append them and apply each request's ``StopChecker``, and return the
/// tokens as ``EngineCoreOutputs``. Turning them into text happens after, elsewhere; what comes back
/// (a stop string seen in the text) comes in as ``finish(_:reason:stopReason:)``, as a client's abort
/// does, between steps (vLLM v1's `EngineCore.step` and `abort_requests`).
public final class EngineCore {
    /// The backend running the forward passes (decision 12): the core knows block ids, not memory.
    public let executor: any ModelExecutor
    public private(set) var scheduler: Scheduler
    /// Checks requests at the door; the core trusts what it made.
    public let validator: RequestValidator
    /// What the core keeps for each live child request.
    private struct Child {
        var sampler: Sampler
        let parentID: RequestID
        let index: Int
        /// No step has run any of its tokens yet.
        var isWaitingForFirstStep = true
        /// How many drafts it proposes next (speculative decoding).
        var draftLength: DraftLength?
        /// With prompt log-probabilities: those of prompt tokens 1, 2, … so far, in order, handed
        /// over with its first output token.
        var promptLogprobs: [SampledToken]?
    }
    private var children: [RequestID: Child] = [:]
    /// Requests with live children, by the caller's id, to abort them all at once.
    private var parents: [RequestID: ParentRequest] = [:]
    /// Tokens run through the model since start, cache hits excluded.
    public private(set) var numComputedTokensTotal = 0
    /// The model input, refilled each step in place.
    private var batch = ForwardBatch(tokenIDs: [], positions: [], slotMapping: [], sequenceIndices: [],
                                     blockTables: [], maxBlocksPerSequence: 0, logitIndices: [])
    /// The step's sampled tokens for the scheduler, emptied and refilled in place each step.
    private var sampledTokenIDs: [RequestID: Int] = [:]
    /// The step's requests whose logits processors say they are done (a complete grammar), refilled in place.
    private var completedByProcessors: Set<RequestID> = []
    /// The last step that ran, timed; `nil` before the first.
    public private(set) var lastStep: StepRecord?
    /// Steps that ran a forward pass since start.
    public private(set) var numSteps = 0
    /// Proposes draft tokens by prompt lookup (``SpeculativeConfig/Method/ngram``).
    private let proposer: NgramProposer?
    /// Proposes draft tokens from a draft model, with its own KV pool (``SpeculativeConfig/Method/draftModel``).
    let draftProposer: DraftModelProposer?
    /// Speculative decoding's counters since start.
    public private(set) var specDecodeStats = SpecDecodeStats()
    /// The step's accepted drafts per request, emptied and refilled in place each step.
    private var acceptedDrafts: [RequestID: Int] = [:]

    /// A core over `model`; with ``SpeculativeConfig/Method/draftModel``, `draftModel` proposes the
    /// drafts, on the same backend, over a pool of as many blocks as the target's (its vocabulary was
    /// checked by ``DraftModel/checkVocabulary(matches:tokenizer:)``; here only its size is).
    public init(model: any DecoderModel, config: SchedulerConfig, eosTokenIDs: Set<Int>,
                backend: any ModelBackend = CPUBackend(), draftModel: (any DecoderModel)? = nil) throws {
        // The scheduler hands out a block table per KV-cache group of the model the backend runs.
        var config = config
        config.kvCacheGroupWindows = model.kvCacheLayout.groupWindows
        try config.validate()
        scheduler = try Scheduler(config: config, eosTokenIDs: eosTokenIDs)
        try backend.check(model)
        executor = backend.makeExecutor(for: model, limits: ExecutorLimits(
            numBlocks: config.numBlocks, blockSize: config.blockSize, maxBatchTokens: config.maxNumBatchedTokens,
            // One row per request, the drafts of the few that speculate, one prompt's log-probabilities.
            maxLogitRows: min((config.speculative?.maxLogitRows(maxNumSeqs: config.maxNumSeqs) ?? config.maxNumSeqs)
                              + SchedulerConfig.promptLogprobsChunk, config.maxNumBatchedTokens),
            maxModelLength: config.maxModelLength))
        validator = RequestValidator(vocabularySize: executor.vocabularySize, config: config)
        switch config.speculative?.method {
        case .ngram?:
            proposer = config.speculative.map { NgramProposer(minN: $0.promptLookupMin, maxN: $0.promptLookupMax) }
            draftProposer = nil
        case .draftModel?:
            guard let draftModel else {
                throw SchedulerError.invalidConfig("--speculative-config: method draft_model, but no draft model was loaded")
            }
            guard draftModel.configuration.vocabularySize == model.configuration.vocabularySize else {
                throw SchedulerError.invalidConfig("the draft model has \(draftModel.configuration.vocabularySize) logits, "
                    + "the target \(model.configuration.vocabularySize); a draft model must share the target's vocabulary")
            }
            proposer = nil
            draftProposer = try DraftModelProposer(
                model: draftModel, backend: backend, target: executor, numBlocks: config.numBlocks, blockSize: config.blockSize,
                enablePrefixCaching: config.enablePrefixCaching, maxBatchTokens: config.maxNumBatchedTokens,
                maxRequests: config.maxNumSeqs, maxModelLength: config.maxModelLength)
        case nil:
            proposer = nil
            draftProposer = nil
        }
    }

    /// Fans a checked request out into its `n` child requests and queues them; returns its
    /// ``ParentRequest``. Refuses only an id already live.
    @discardableResult
    public func add(_ request: EngineCoreRequest) throws(SchedulerError) -> ParentRequest {
        guard parents[request.requestID] == nil else { throw .duplicateRequestID(request.requestID) }
        let parent = ParentRequest(request)
        let requests = parent.makeChildren()
        for (index, child) in requests.enumerated() {
            do {
                try add(child, parentID: parent.requestID, index: index)
            } catch {
                for added in requests[..<index] { finishChild(added.requestID, reason: .abort, stopReason: nil) }
                throw error
            }
        }
        parents[parent.requestID] = parent
        return parent
    }

    /// Queues one child request as it is (its own parent when `parentID` is nil). Tests use it to
    /// drive the core with requests they build; the engines add checked requests, which fan out.
    func add(_ request: Request, parentID: RequestID? = nil, index: Int = 0) throws(SchedulerError) {
        // Each child gets its own matcher, made here on the step thread; the grammar was compiled before.
        var grammar: GrammarMaskProcessor?
        if let structuredOutput = request.samplingParams.structuredOutput {
            do {
                grammar = try GrammarMaskProcessor(structuredOutput, triggers: request.samplingParams.grammarTriggers,
                                                   reasoningEnd: request.samplingParams.reasoningEnd)
            } catch {
                throw .invalidSamplingParams(request.requestID, .invalid("structured output: \(error)"))
            }
        }
        try scheduler.add(request)
        let stops = scheduler.request(request.requestID)!.stopChecker
        let processors = Sampler.processors(params: request.samplingParams, stops: stops, grammar: grammar)
        children[request.requestID] = Child(
            sampler: Sampler(params: request.samplingParams, processors: processors),
            parentID: parentID ?? request.requestID, index: index,
            draftLength: scheduler.config.speculative.map { DraftLength(maximum: $0.numSpeculativeTokens) },
            promptLogprobs: request.samplingParams.promptLogprobs == nil ? nil : [])
    }

    /// Ends every live child of `requestID` (a caller's id, or a single child's) with
    /// ``FinishReason/abort`` and frees their blocks; false when none was live.
    @discardableResult
    public func abort(_ requestID: RequestID) -> Bool {
        guard let parent = parents[requestID] else {
            return finishChild(requestID, reason: .abort, stopReason: nil) != nil
        }
        for index in parent.liveChildIndices {
            finishChild(parent.childID(index), reason: .abort, stopReason: nil)
        }
        return true
    }

    /// Aborts every live request (shutdown, or a step that failed).
    public func abortAll() {
        for id in Array(parents.keys) { abort(id) }
        for id in Array(children.keys) { abort(id) }
    }

    /// Ends one child request now for a reason found outside the core (a stop string seen in its
    /// text) and frees its blocks; returns it, or nil when it is unknown or already done.
    @discardableResult
    public func finish(_ childID: RequestID, reason: FinishReason, stopReason: StopReason? = nil) -> Request? {
        finishChild(childID, reason: reason, stopReason: stopReason)
    }

    @discardableResult
    private func finishChild(_ id: RequestID, reason: FinishReason, stopReason: StopReason?) -> Request? {
        let finished = scheduler.finish(id, reason: reason, stopReason: stopReason)
        forget(id)
        return finished
    }

    /// Drops a finished child's sampler and marks it done in its parent.
    private func forget(_ id: RequestID) {
        draftProposer?.free(id)
        guard let child = children.removeValue(forKey: id) else { return }
        if parents[child.parentID]?.finishChild(child.index) == true { parents[child.parentID] = nil }
    }

    public var hasUnfinishedRequests: Bool { scheduler.hasUnfinishedRequests }

    /// Plans steps with `model` from now on (`nil`: by tokens only), skipping calibration.
    public func useStepCostModel(_ model: StepCostModel?) {
        scheduler.costModel = model
    }

    /// Measures the step cost model on a few real forward passes and plans with it from now on
    /// (``StepCostModel/calibrate(limits:timeBudget:measure:)``); returns it. Call it before the
    /// first request: the probes write into blocks that no request may hold yet.
    @discardableResult
    public func calibrateStepCost(timeBudget: Double = StepCostModel.defaultCalibrationBudget) throws -> StepCostModel? {
        precondition(!scheduler.hasUnfinishedRequests, "calibrate the step cost before any request is added")
        let model = try StepCostModel.calibrate(limits: scheduler.config, timeBudget: timeBudget) { probe in
            probe.fill(&batch)
            let start = ContinuousClock.now
            _ = try executor.execute(batch)
            return seconds(.now - start)
        }
        scheduler.costModel = model
        return model
    }

    /// Records the prefix cache's changes as ``KVCacheEvent``s from now on, for ``takeKVEvents()``.
    public func recordKVEvents() {
        scheduler.kvCacheManager.recordEvents()
    }

    /// The prefix cache's changes since the last call, oldest first (empty unless recorded).
    public func takeKVEvents() -> [KVCacheEvent] {
        scheduler.kvCacheManager.takeEvents()
    }

    /// Every block hash that is a prefix-cache hit now.
    public var cachedBlockHashes: Set<BlockHash> {
        scheduler.kvCacheManager.blockPool.cachedBlockHashes
    }

    /// Forgets every cached block, so the next requests compute everything; refused (false)
    /// while any request holds blocks.
    @discardableResult
    public func resetPrefixCache() -> Bool {
        scheduler.resetPrefixCache()
    }

    /// Runs one step: schedule, one forward pass, one token per sampling row (more for a row that
    /// verified drafts), the scheduler's update (stop tokens, lengths, freeing the finished), then new
    /// drafts for the requests that go on; returns each sampling request's new tokens in batch order,
    /// and nothing when there was nothing to run.
    public func step() throws -> EngineCoreOutputs {
        let output = scheduler.schedule()
        guard !output.isEmpty else {
            if scheduler.hasUnfinishedRequests, scheduler.numRunning == 0 {
                throw EngineError.stalled(waiting: scheduler.numWaiting)
            }
            return EngineCoreOutputs()
        }
        numComputedTokensTotal += output.numScheduledTokens
        // A preempted request's draft KV followed tokens whose target KV is gone: it starts over.
        for id in output.preemptedRequestIDs { draftProposer?.free(id) }
        output.fill(&batch)
        let start = ContinuousClock.now
        let logits = try executor.execute(batch)
        let vocabulary = executor.vocabularySize
        // Every sampled token in batch order, and how many each sampling row took.
        var tokens: [SampledToken] = []
        tokens.reserveCapacity(output.numLogitRows)
        var numTokensPerRow: [Int] = []
        numTokensPerRow.reserveCapacity(output.numSamplingRequests)
        sampledTokenIDs.removeAll(keepingCapacity: true)
        acceptedDrafts.removeAll(keepingCapacity: true)
        completedByProcessors.removeAll(keepingCapacity: true)
        var row = 0
        for scheduled in output.scheduledRequests where scheduled.numSampledRows > 0 {
            defer { row += scheduled.numSampledRows }
            let id = scheduled.requestID
            let request = scheduler.request(id)
            var first = row
            if scheduled.logitsForAllTokens, let request, children[id] != nil {
                // Every row but a sampling last one gives the next prompt token's log-probability.
                let numPromptRows = scheduled.numSampledRows - (scheduled.samples ? 1 : 0)
                collectPromptLogprobs(scheduled, request: request, logits: logits, firstRow: row, numRows: numPromptRows,
                                      vocabularySize: vocabulary)
                first += numPromptRows
            }
            guard scheduled.samples else { continue }
            guard let request, children[id] != nil else {
                numTokensPerRow.append(0)
                continue
            }
            let numRows = 1 + scheduled.numSpecTokens
            let rows = UnsafeBufferPointer(rebasing: logits[(first * vocabulary)..<((first + numRows) * vocabulary)])
            let numAccepted = sample(scheduled, request: request, logits: rows, vocabularySize: vocabulary, into: &tokens)
            sampledTokenIDs[id] = tokens[tokens.count - 1].tokenID
            if scheduled.numSpecTokens > 0 { acceptedDrafts[id] = numAccepted }
            if children[id]!.sampler.isFinished { completedByProcessors.insert(id) }
            numTokensPerRow.append(numAccepted + 1)
        }
        let timestamp = ContinuousClock.now
        var result = EngineCoreOutputs(timestamp: timestamp)
        result.step = recordStep(output, time: seconds(timestamp - start))
        for scheduled in output.scheduledRequests where children[scheduled.requestID]?.isWaitingForFirstStep == true {
            children[scheduled.requestID]!.isWaitingForFirstStep = false
            result.firstScheduledRequestIDs.append(scheduled.requestID)
        }
        let finished = scheduler.update(output: output, sampledTokens: sampledTokenIDs, acceptedDrafts: acceptedDrafts,
                                        completedRequestIDs: completedByProcessors)
        result.outputs.reserveCapacity(tokens.count)
        var first = 0
        var rowIndex = 0
        for scheduled in output.scheduledRequests where scheduled.samples {
            let count = numTokensPerRow[rowIndex]
            defer {
                first += count
                rowIndex += 1
            }
            let id = scheduled.requestID
            guard count > 0, let child = children[id] else { continue }
            let ended = finished.isEmpty ? nil : finished.first { $0.requestID == id }
            var finishReason: FinishReason?
            if let ended, case .finished(let reason) = ended.status { finishReason = reason }
            // A stop in the middle of the accepted drafts drops the tokens after it.
            let numKnownBefore = scheduled.startPosition + scheduled.tokenIDs.count - scheduled.numSpecTokens
            let emitted = ended.map { $0.numTokens - numKnownBefore } ?? count
            for (offset, token) in tokens[first..<(first + emitted)].enumerated() {
                let isLast = offset == emitted - 1
                var update = EngineCoreOutput(
                    requestID: id, parentID: child.parentID, index: child.index, token: token,
                    finishReason: isLast ? finishReason : nil, stopReason: isLast ? ended?.stopReason : nil,
                    numCachedTokens: ended?.numCachedTokens ?? 0, numPreemptions: ended?.numPreemptions ?? 0)
                update.completedConstraint = isLast && (ended?.completedConstraint ?? false)
                // The prompt's log-probabilities travel with the first output token, once.
                if let promptLogprobs = children[id]?.promptLogprobs {
                    update.promptLogprobs = promptLogprobs
                    children[id]?.promptLogprobs = nil
                }
                result.outputs.append(update)
            }
            if scheduled.numSpecTokens > 0 {
                specDecodeStats.record(numDraftTokens: scheduled.numSpecTokens, numAccepted: count - 1)
                children[id]?.draftLength?.observe(numDrafts: scheduled.numSpecTokens, numAccepted: count - 1)
            }
        }
        for request in finished { forget(request.requestID) }
        try proposeDrafts(after: output)
        return result
    }

    /// Samples a row: one token after its last real token, or, for a row with drafts, a token after
    /// each position while the target's token equals the draft there (the rejection sampler with a
    /// deterministic draft: the token is drawn from the target as always, so the output distribution
    /// is the target's). Penalties and the min_tokens ban see the accepted drafts as output. Appends
    /// the sampled tokens to `tokens`; returns how many drafts were accepted.
    private func sample(_ scheduled: SchedulerOutput.ScheduledRequest, request: Request, logits: UnsafeBufferPointer<Float>,
                        vocabularySize: Int, into tokens: inout [SampledToken]) -> Int {
        let id = scheduled.requestID
        let drafts = scheduled.specTokenIDs
        // Extended with each accepted draft (copied only then), so history-dependent edits see it.
        var history = request.allTokenIDs
        let numPrompt = request.numPromptTokens
        var numAccepted = 0
        for position in 0...drafts.count {
            let rowLogits = UnsafeBufferPointer(rebasing: logits[(position * vocabularySize)..<((position + 1) * vocabularySize)])
            // Sampled in place in the dictionary, so the sampler's scratch buffers are never copied.
            let token = children[id]!.sampler.sample(
                logits: rowLogits, promptTokenIDs: history[..<numPrompt], outputTokenIDs: history[numPrompt...])
            tokens.append(token)
            // A grammar that the token completed ends the request: no draft after it counts.
            guard position < drafts.count, token.tokenID == drafts[drafts.startIndex + position],
                  !children[id]!.sampler.isFinished else { break }
            numAccepted += 1
            history.append(token.tokenID)
        }
        return numAccepted
    }

    /// Appends the log-probabilities of the prompt tokens that rows `firstRow ..< firstRow + numRows`
    /// predict (row i holds position `startPosition + i`, whose logits predict the token after it),
    /// in order, each once: a recompute after preemption runs positions again and adds nothing.
    private func collectPromptLogprobs(_ scheduled: SchedulerOutput.ScheduledRequest, request: Request,
                                       logits: UnsafeBufferPointer<Float>, firstRow: Int, numRows: Int,
                                       vocabularySize: Int) {
        let id = scheduled.requestID
        guard let topCount = request.samplingParams.promptLogprobs, children[id]?.promptLogprobs != nil else { return }
        for offset in 0..<numRows {
            let predicted = scheduled.startPosition + offset + 1
            // Entry k is prompt token k + 1's.
            guard predicted < request.numPromptTokens, predicted == children[id]!.promptLogprobs!.count + 1 else { continue }
            let row = UnsafeBufferPointer(rebasing: logits[((firstRow + offset) * vocabularySize)..<((firstRow + offset + 1) * vocabularySize)])
            let token = request.allTokenIDs[predicted]
            var entry = children[id]!.sampler.rawLogprobs(logits: row, sampledTokenID: token, topCount: topCount)
            // vLLM reports each prompt token's rank: 1 + how many tokens are likelier.
            let logit = row[token]
            entry.rank = 1 + row.reduce(0) { $0 + ($1 > logit ? 1 : 0) }
            children[id]!.promptLogprobs!.append(entry)
        }
    }

    /// Gives every request that sampled this step and decodes next its drafts for the next step:
    /// each from the n-gram lookup, or all together from the draft model's batched passes.
    private func proposeDrafts(after output: SchedulerOutput) throws(ModelError) {
        guard let config = scheduler.config.speculative else { return }
        // Speculation is off while the batch is large; the scheduler would drop the drafts anyway.
        guard scheduler.numRunning <= config.disableByBatchSize else { return }
        var jobs: [DraftModelProposer.Job] = []
        for scheduled in output.scheduledRequests where scheduled.samples {
            let id = scheduled.requestID
            guard let request = scheduler.request(id), request.status == .running, request.numRemainingTokens == 1,
                  var count = children[id]?.draftLength?.next(), count > 0
            else { continue }
            // A draft past max_tokens or the context could never be kept (the scheduler trims it too).
            count = min(count, request.samplingParams.maxTokens - request.numOutputTokens - 1,
                        scheduler.config.maxModelLength - request.numTokens)
            guard count > 0 else { continue }
            if let proposer {
                let drafts = proposer.propose(request.allTokenIDs[...], count: count)
                if !drafts.isEmpty { scheduler.setSpecTokens(id, drafts) }
            } else {
                jobs.append(.init(requestID: id, tokenIDs: request.allTokenIDs, count: count))
            }
        }
        guard let draftProposer, !jobs.isEmpty else { return }
        for (id, drafts) in try draftProposer.propose(jobs) { scheduler.setSpecTokens(id, drafts) }
    }

    /// Keeps the step's timing for metrics and corrects the cost model with it.
    private func recordStep(_ output: SchedulerOutput, time: Double) -> StepRecord {
        numSteps += 1
        let record = StepRecord(time: time, predictedTime: output.predictedStepTime, timeLimit: output.stepTimeLimit,
                                numTokens: output.numScheduledTokens, numDecodeRows: output.numDecodeRows)
        lastStep = record
        scheduler.costModel?.observe(output.workload, measuredTime: time)
        return record
    }
}

/// Why the engine cannot go on, or refused a request.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// Requests wait but none can be scheduled, even with nothing running.
    case stalled(waiting: Int)
    /// A prompt token id lies outside the vocabulary.
    case invalidPromptToken(Int, vocabularySize: Int)
    /// As many requests wait as the engine queues.
    case queueFull(limit: Int)
    /// The engine was shut down.
    case shutDown

    public var description: String {
        switch self {
        case let .invalidPromptToken(id, vocabularySize):
            return "prompt token \(id) is not in the vocabulary of \(vocabularySize) tokens"
        case .queueFull(let limit):
            return "the engine already queues \(limit) requests; retry later"
        case .shutDown:
            return "the engine is shutting down"
        case .stalled(let waiting):
            return "\(waiting) requests wait but none fits the KV cache or the token budget; raise --kv-cache-memory or --max-num-batched-tokens"
        }
    }
}
