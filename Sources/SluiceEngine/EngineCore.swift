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

    public init(model: any DecoderModel, config: SchedulerConfig, eosTokenIDs: Set<Int>,
                backend: any ModelBackend = CPUBackend()) throws {
        try config.validate()
        scheduler = try Scheduler(config: config, eosTokenIDs: eosTokenIDs)
        try backend.check(model)
        executor = backend.makeExecutor(for: model, limits: ExecutorLimits(
            numBlocks: config.numBlocks, blockSize: config.blockSize, maxBatchTokens: config.maxNumBatchedTokens,
            maxLogitRows: min(config.maxNumSeqs, config.maxNumBatchedTokens), maxModelLength: config.maxModelLength))
        validator = RequestValidator(vocabularySize: executor.vocabularySize, config: config)
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
            do { grammar = try GrammarMaskProcessor(structuredOutput) } catch {
                throw .invalidSamplingParams(request.requestID, .invalid("structured output: \(error)"))
            }
        }
        try scheduler.add(request)
        let stops = scheduler.request(request.requestID)!.stopChecker
        let processors = Sampler.processors(params: request.samplingParams, stops: stops, grammar: grammar)
        children[request.requestID] = Child(
            sampler: Sampler(params: request.samplingParams, processors: processors),
            parentID: parentID ?? request.requestID, index: index)
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

    /// Forgets every cached block, so the next requests compute everything; refused (false)
    /// while any request holds blocks.
    @discardableResult
    public func resetPrefixCache() -> Bool {
        scheduler.resetPrefixCache()
    }

    /// Runs one step: schedule, one forward pass, one token per sampling row, the scheduler's update
    /// (stop tokens, lengths, freeing the finished); returns each sampling request's new token in
    /// batch order, and nothing when there was nothing to run.
    public func step() throws -> EngineCoreOutputs {
        let output = scheduler.schedule()
        guard !output.isEmpty else {
            if scheduler.hasUnfinishedRequests, scheduler.numRunning == 0 {
                throw EngineError.stalled(waiting: scheduler.numWaiting)
            }
            return EngineCoreOutputs()
        }
        numComputedTokensTotal += output.numScheduledTokens
        output.fill(&batch)
        let start = ContinuousClock.now
        let logits = try executor.execute(batch)
        let vocabulary = executor.vocabularySize
        var tokens: [SampledToken] = []
        tokens.reserveCapacity(output.numSamplingRequests)
        sampledTokenIDs.removeAll(keepingCapacity: true)
        completedByProcessors.removeAll(keepingCapacity: true)
        var row = 0
        for scheduled in output.scheduledRequests where scheduled.samples {
            defer { row += 1 }
            let id = scheduled.requestID
            guard let request = scheduler.request(id), children[id] != nil else { continue }
            let rowLogits = UnsafeBufferPointer(rebasing: logits[(row * vocabulary)..<((row + 1) * vocabulary)])
            // Sampled in place in the dictionary, so the sampler's scratch buffers are never copied.
            let token = children[id]!.sampler.sample(
                logits: rowLogits, promptTokenIDs: request.promptTokenIDs, outputTokenIDs: request.outputTokenIDs)
            sampledTokenIDs[id] = token.tokenID
            if children[id]!.sampler.isFinished { completedByProcessors.insert(id) }
            tokens.append(token)
        }
        let timestamp = ContinuousClock.now
        var result = EngineCoreOutputs(timestamp: timestamp)
        result.step = recordStep(output, time: seconds(timestamp - start))
        for scheduled in output.scheduledRequests where children[scheduled.requestID]?.isWaitingForFirstStep == true {
            children[scheduled.requestID]!.isWaitingForFirstStep = false
            result.firstScheduledRequestIDs.append(scheduled.requestID)
        }
        let finished = scheduler.update(output: output, sampledTokens: sampledTokenIDs,
                                        completedRequestIDs: completedByProcessors)
        result.outputs.reserveCapacity(tokens.count)
        var next = tokens.makeIterator()
        for scheduled in output.scheduledRequests where scheduled.samples {
            let id = scheduled.requestID
            guard sampledTokenIDs[id] != nil, let child = children[id], let token = next.next() else { continue }
            let ended = finished.isEmpty ? nil : finished.first { $0.requestID == id }
            var finishReason: FinishReason?
            if let ended, case .finished(let reason) = ended.status { finishReason = reason }
            result.outputs.append(EngineCoreOutput(
                requestID: id, parentID: child.parentID, index: child.index, token: token,
                finishReason: finishReason, stopReason: ended?.stopReason,
                numCachedTokens: ended?.numCachedTokens ?? 0, numPreemptions: ended?.numPreemptions ?? 0,
                completedConstraint: ended?.completedConstraint ?? false))
        }
        for request in finished { forget(request.requestID) }
        return result
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
