import SluiceModel

/// The step loop's state: the scheduler, the model runner and one sampler per request, owned by a
/// single thread without locks (ARCHITECTURE.md, decision 7).
///
/// Each `step()` runs one batched forward pass over whatever the scheduler picked, samples one token
/// for every row that reached the end of its tokens, and hands the tokens back to the scheduler.
public final class EngineCore {
    public let runner: ModelRunner
    public private(set) var scheduler: Scheduler
    private var samplers: [RequestID: Sampler] = [:]
    /// The end-of-generation tokens, which the samplers ban before `min_tokens`.
    private let eosTokenIDs: Set<Int>
    /// Tokens run through the model since start, cache hits excluded.
    public private(set) var numComputedTokensTotal = 0
    /// The model input, refilled each step in place.
    private var batch = ForwardBatch(tokenIDs: [], positions: [], slotMapping: [], sequenceIndices: [],
                                     blockTables: [], maxBlocksPerSequence: 0, logitIndices: [])
    /// The requests the last step ran, in batch order.
    public private(set) var lastScheduledRequestIDs: [RequestID] = []
    /// The last step that ran, timed; `nil` before the first.
    public private(set) var lastStep: StepRecord?
    /// Steps that ran a forward pass since start.
    public private(set) var numSteps = 0

    public init(model: any DecoderModel, config: SchedulerConfig, eosTokenIDs: Set<Int>,
                threadCount: Int = KernelThreadPool.defaultThreadCount) throws {
        try config.validate()
        self.eosTokenIDs = eosTokenIDs
        scheduler = try Scheduler(config: config, eosTokenIDs: eosTokenIDs)
        runner = ModelRunner(model: model, numBlocks: config.numBlocks, blockSize: config.blockSize,
                             maxBatchTokens: config.maxNumBatchedTokens,
                             maxLogitRows: min(config.maxNumSeqs, config.maxNumBatchedTokens),
                             maxModelLength: config.maxModelLength, threadCount: threadCount)
    }

    /// Queues a request; refuses one that could never run, with the reason.
    public func add(_ request: Request) throws {
        try request.samplingParams.validate(vocabularySize: runner.vocabularySize)
        try Self.checkTokenIDs(request.allTokenIDs, vocabularySize: runner.vocabularySize)
        try scheduler.add(request)
        samplers[request.requestID] = Sampler(params: request.samplingParams, eosTokenIDs: eosTokenIDs)
    }

    /// Ends a request now and frees its blocks; returns it, or nil when it is unknown or already done.
    @discardableResult
    public func abort(_ requestID: RequestID) -> Request? {
        finish(requestID, reason: .abort)
    }

    /// Ends a request now for `reason` (a stop string seen in its text, say) and frees its blocks;
    /// returns it, or nil when it is unknown or already done.
    @discardableResult
    public func finish(_ requestID: RequestID, reason: FinishReason, stopReason: StopReason? = nil) -> Request? {
        samplers[requestID] = nil
        return scheduler.finish(requestID, reason: reason, stopReason: stopReason)
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
            _ = try runner.execute(batch)
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

    /// Refuses prompt token ids outside the vocabulary, which the model could not embed.
    static func checkTokenIDs(_ tokenIDs: [Int], vocabularySize: Int) throws(EngineError) {
        if let bad = tokenIDs.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw .invalidPromptToken(bad, vocabularySize: vocabularySize)
        }
    }

    /// What one request got from a step: its new token, and itself when that token finished it.
    public struct Update: Sendable {
        public let requestID: RequestID
        public let token: SampledToken
        /// The request as it finished, or `nil` when it goes on.
        public let finished: Request?
    }

    /// Runs one step and returns, in batch order, each sampling request's new token.
    public func step() throws -> [Update] {
        let output = scheduler.schedule()
        guard !output.isEmpty else {
            if scheduler.hasUnfinishedRequests, scheduler.numRunning == 0 {
                throw EngineError.stalled(waiting: scheduler.numWaiting)
            }
            return []
        }
        numComputedTokensTotal += output.numScheduledTokens
        lastScheduledRequestIDs.removeAll(keepingCapacity: true)
        for scheduled in output.scheduledRequests { lastScheduledRequestIDs.append(scheduled.requestID) }
        output.fill(&batch)
        let start = ContinuousClock.now
        let logits = try runner.execute(batch)
        let vocabulary = runner.vocabularySize
        var sampledIDs: [RequestID: Int] = [:]
        var sampled: [(RequestID, SampledToken)] = []
        sampled.reserveCapacity(output.numSamplingRequests)
        var row = 0
        for scheduled in output.scheduledRequests where scheduled.samples {
            defer { row += 1 }
            let id = scheduled.requestID
            guard let request = scheduler.request(id), samplers[id] != nil else { continue }
            let rowLogits = UnsafeBufferPointer(rebasing: logits[(row * vocabulary)..<((row + 1) * vocabulary)])
            let token = samplers[id]!.sample(
                logits: rowLogits, promptTokenIDs: request.promptTokenIDs, outputTokenIDs: request.outputTokenIDs)
            sampledIDs[id] = token.tokenID
            sampled.append((id, token))
        }
        recordStep(output, time: seconds(.now - start))
        var finished: [RequestID: Request] = [:]
        for request in scheduler.update(output: output, sampledTokens: sampledIDs) {
            samplers[request.requestID] = nil
            finished[request.requestID] = request
        }
        return sampled.map { Update(requestID: $0.0, token: $0.1, finished: finished[$0.0]) }
    }

    /// Keeps the step's timing for metrics and corrects the cost model with it.
    private func recordStep(_ output: SchedulerOutput, time: Double) {
        numSteps += 1
        lastStep = StepRecord(time: time, predictedTime: output.predictedStepTime, timeLimit: output.stepTimeLimit,
                              numTokens: output.numScheduledTokens, numDecodeRows: output.numDecodeRows)
        scheduler.costModel?.observe(output.workload, measuredTime: time)
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
