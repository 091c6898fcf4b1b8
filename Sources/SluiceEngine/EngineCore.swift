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

    public init(model: LlamaModel, config: SchedulerConfig, eosTokenIDs: Set<Int>,
                threadCount: Int = KernelThreadPool.defaultThreadCount) throws {
        try config.validate()
        scheduler = try Scheduler(config: config, eosTokenIDs: eosTokenIDs)
        runner = ModelRunner(model: model, numBlocks: config.numBlocks, blockSize: config.blockSize,
                             maxBatchTokens: config.maxNumBatchedTokens,
                             maxLogitRows: min(config.maxNumSeqs, config.maxNumBatchedTokens),
                             maxModelLength: config.maxModelLength, threadCount: threadCount)
    }

    /// Queues a request; refuses one that could never run, with the reason.
    public func add(_ request: Request) throws {
        try request.samplingParams.validate()
        try scheduler.add(request)
        samplers[request.requestID] = Sampler(params: request.samplingParams)
    }

    /// Ends a request now and frees its blocks; returns it, or nil when it is unknown or already done.
    @discardableResult
    public func abort(_ requestID: RequestID) -> Request? {
        samplers[requestID] = nil
        return scheduler.abort(requestID)
    }

    public var hasUnfinishedRequests: Bool { scheduler.hasUnfinishedRequests }

    /// Runs one step and returns the requests that finished in it.
    public func step() throws -> [Request] {
        let output = scheduler.schedule()
        guard !output.isEmpty else {
            if scheduler.hasUnfinishedRequests, scheduler.numRunning == 0 {
                throw EngineError.stalled(waiting: scheduler.numWaiting)
            }
            return []
        }
        let logits = try runner.execute(output.makeForwardBatch())
        let vocabulary = runner.vocabularySize
        var sampled: [RequestID: Int] = [:]
        var row = 0
        for scheduled in output.scheduledRequests where scheduled.samples {
            let rowLogits = UnsafeBufferPointer(rebasing: logits[(row * vocabulary)..<((row + 1) * vocabulary)])
            sampled[scheduled.requestID] = samplers[scheduled.requestID]?.sample(logits: rowLogits)
            row += 1
        }
        let finished = scheduler.update(output: output, sampledTokens: sampled)
        for request in finished { samplers[request.requestID] = nil }
        return finished
    }
}

/// Why the engine cannot go on.
public enum EngineError: Error, CustomStringConvertible {
    /// Requests wait but none can be scheduled, even with nothing running.
    case stalled(waiting: Int)

    public var description: String {
        switch self {
        case .stalled(let waiting):
            return "\(waiting) requests wait but none fits the KV cache or the token budget; raise --kv-cache-memory or --max-num-batched-tokens"
        }
    }
}
