/// Continuous batching over one KV pool: each step gives tokens to running requests first,
/// then admits waiting ones in FCFS order, within a token budget and a sequence cap.
///
/// As vLLM v1's scheduler (vllm/v1/core/sched/scheduler.py) and nano-vllm's `scheduler.py`:
/// there are no prefill and decode phases, so a long prompt is chunked across steps beside the
/// decode tokens of others, and when blocks run out the most recently admitted request is
/// preempted by recompute (ARCHITECTURE.md, decisions 1, 4 and 5). The engine loop calls
/// ``schedule()``, runs the model, then ``update(output:sampledTokens:)``.
public struct Scheduler: Sendable {
    /// The limits this scheduler works within.
    public let config: SchedulerConfig
    /// Sampled tokens that finish a request with ``FinishReason/stop``.
    public let eosTokenIDs: Set<Int>
    /// The KV blocks of every admitted request, and the prefix cache.
    public internal(set) var kvCacheManager: KVCacheManager
    /// Every live request (waiting, preempted or running), by id.
    var requests: [RequestID: Request] = [:]
    /// Waiting and preempted requests, in admission order; preempted ones go to the front.
    var waiting: [RequestID] = []
    /// Admitted requests, in admission order; preemption takes from the back.
    var running: [RequestID] = []
    /// Requests aborted since the last step, reported in the next ``SchedulerOutput``.
    var abortedSinceLastStep: [RequestID] = []
    /// The next request's ``Request/arrivalIndex``.
    var nextArrivalIndex = 0
    /// Preemptions since start.
    public internal(set) var numPreemptions = 0

    /// Makes a scheduler over a fresh KV pool of `config.numBlocks` blocks.
    public init(config: SchedulerConfig, eosTokenIDs: Set<Int> = []) throws(SchedulerError) {
        try config.validate()
        self.config = config
        self.eosTokenIDs = eosTokenIDs
        kvCacheManager = KVCacheManager(
            numBlocks: config.numBlocks, blockSize: config.blockSize,
            enablePrefixCaching: config.enablePrefixCaching)
    }

    /// Queues a request at the back of the waiting queue, or refuses one that could never run.
    ///
    /// Refused: an empty prompt, prompt plus `max_tokens` beyond the model's context, a request
    /// that alone would need more blocks than the pool holds, a duplicate id, bad sampling params.
    public mutating func add(_ request: Request) throws(SchedulerError) {
        let id = request.requestID
        guard request.numPromptTokens > 0 else { throw .emptyPrompt(id) }
        do { try request.samplingParams.validate() } catch { throw .invalidSamplingParams(id, error) }
        let maxTokens = request.samplingParams.maxTokens
        guard request.numPromptTokens + maxTokens <= config.maxModelLength else {
            throw .exceedsMaxModelLength(
                id, numPromptTokens: request.numPromptTokens, maxTokens: maxTokens,
                maxModelLength: config.maxModelLength)
        }
        // The last sampled token is never run, so it needs no slot.
        let maxComputedTokens = request.numPromptTokens + maxTokens - 1
        let numBlocksNeeded = (maxComputedTokens + config.blockSize - 1) / config.blockSize
        guard numBlocksNeeded <= config.numBlocks - 1 else {
            throw .exceedsKVCache(id, numBlocksNeeded: numBlocksNeeded, numUsableBlocks: config.numBlocks - 1)
        }
        guard requests[id] == nil else { throw .duplicateRequestID(id) }

        var queued = request
        queued.status = .waiting
        queued.numComputedTokens = 0
        queued.arrivalIndex = nextArrivalIndex
        nextArrivalIndex += 1
        requests[id] = queued
        waiting.append(id)
    }

    /// Finishes a waiting or running request with ``FinishReason/abort`` and frees its blocks at
    /// once; returns it, or `nil` when no live request has this id.
    @discardableResult
    public mutating func abort(_ requestID: RequestID) -> Request? {
        guard var request = requests.removeValue(forKey: requestID) else { return nil }
        if let index = waiting.firstIndex(of: requestID) { waiting.remove(at: index) }
        if let index = running.firstIndex(of: requestID) { running.remove(at: index) }
        // A waiting request may have looked up the prefix cache, so the manager knows it too.
        kvCacheManager.free(requestID: requestID)
        request.status = .finished(.abort)
        abortedSinceLastStep.append(requestID)
        return request
    }

    /// A live request's current state.
    public func request(_ requestID: RequestID) -> Request? {
        requests[requestID]
    }

    /// Requests admitted and holding blocks.
    public var numRunning: Int { running.count }

    /// Requests queued, preempted ones included.
    public var numWaiting: Int { waiting.count }

    /// Whether any request is still live.
    public var hasUnfinishedRequests: Bool { !requests.isEmpty }

    /// The fraction of usable KV blocks held by requests, in [0, 1].
    public var kvCacheUsage: Double { kvCacheManager.usage }

    /// Prefix-cache lookups and hits, in tokens.
    public var prefixCacheStats: PrefixCacheStats { kvCacheManager.prefixCacheStats }

    /// The running requests' ids, in admission order.
    public var runningRequestIDs: [RequestID] { running }

    /// The waiting requests' ids, front of the queue first.
    public var waitingRequestIDs: [RequestID] { waiting }
}
