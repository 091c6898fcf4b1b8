/// Continuous batching over one KV pool: each step gives a token to every decoding request
/// first, then the step's remaining time to running prompts, then admits waiting requests in
/// FCFS or priority order, within a token budget, a sequence cap and a time target.
///
/// As vLLM v1's scheduler (vllm/v1/core/sched/scheduler.py) and nano-vllm's `scheduler.py`:
/// there are no prefill and decode phases, so a long prompt is chunked across steps beside the
/// decode tokens of others, and when blocks run out a running request is preempted by recompute
/// (ARCHITECTURE.md, decisions 1, 4 and 5). With a ``costModel``, prompt chunks are sized so the
/// step's predicted time stays under ``SchedulerConfig/maxStepLatency`` (decision 10). The engine
/// loop calls ``schedule()``, runs the model, then ``update(output:sampledTokens:)``.
public struct Scheduler: Sendable {
    /// The limits this scheduler works within.
    public let config: SchedulerConfig
    /// Sampled tokens that finish a request with ``FinishReason/stop``.
    public let eosTokenIDs: Set<Int>
    /// The KV blocks of every admitted request, and the prefix cache.
    public internal(set) var kvCacheManager: KVCacheManager
    /// Every live request (waiting, preempted or running), by id.
    var requests: [RequestID: Request] = [:]
    /// Waiting and preempted requests, in admission order: under FCFS by queue key (arrival, with
    /// the requests of one group taking turns with later arrivals) with preempted ones at the
    /// front, under priority by (priority, queue key).
    var waiting: [RequestID] = []
    /// Admitted requests, in admission order; preemption takes from the back.
    var running: [RequestID] = []
    /// Requests aborted since the last step, reported in the next ``SchedulerOutput``.
    var abortedSinceLastStep: [RequestID] = []
    /// The next request's ``Request/arrivalIndex``.
    var nextArrivalIndex = 0
    /// The next group's first turn in the waiting queue (``Request/queueKey``).
    var nextTurn = 0
    /// Each live group's first turn, how many of its requests were added, and how many live.
    var groups: [String: GroupTurns] = [:]
    /// Every scheduled row's tokens of the last step, one after another; emptied and refilled in
    /// place each step, and sliced by the rows, so no step allocates an array per row.
    var stepTokenIDs: [Int] = []
    /// Preemptions since start.
    public internal(set) var numPreemptions = 0
    /// Prefix-cache lookups and hits of admitted requests, in tokens; a request that waits and
    /// looks up again next step is counted once, when it gets in.
    public internal(set) var prefixCacheStats = PrefixCacheStats()
    /// The predicted cost of a step, which sizes prompt chunks to the time target; `nil` plans
    /// by tokens only. The engine measures it at start-up and feeds it each step's time.
    public var costModel: StepCostModel?

    /// Makes a scheduler over a fresh KV pool of `config.numBlocks` blocks.
    public init(config: SchedulerConfig, eosTokenIDs: Set<Int> = []) throws(SchedulerError) {
        try config.validate()
        self.config = config
        self.eosTokenIDs = eosTokenIDs
        kvCacheManager = KVCacheManager(
            numBlocks: config.numBlocks, blockSize: config.blockSize,
            enablePrefixCaching: config.enablePrefixCaching, groupWindows: config.kvCacheGroupWindows)
    }

    /// Queues a request where the policy wants it, with its ``StopChecker`` for this model;
    /// refuses only an id already live.
    ///
    /// The request was checked at the engine's door (``RequestValidator``): the scheduler trusts its
    /// parameters and that it fits the context and the pool.
    public mutating func add(_ request: Request) throws(SchedulerError) {
        let id = request.requestID
        guard requests[id] == nil else { throw .duplicateRequestID(id) }

        var queued = request
        queued.stopChecker = StopChecker(params: request.samplingParams, eosTokenIDs: eosTokenIDs,
                                         maxModelLength: config.maxModelLength)
        queued.status = .waiting
        queued.numComputedTokens = 0
        queued.arrivalIndex = nextArrivalIndex
        nextArrivalIndex += 1
        queued.queueKey = takeTurn(group: request.group)
        requests[id] = queued
        enqueue(id, preempted: false)
    }

    /// What the waiting queue knows of a group (``Request/group``).
    struct GroupTurns: Sendable {
        let first: Int
        var added: Int
        var live: Int
    }

    /// The queue key of a request of `group` added now: a new group's turn comes after every
    /// group that arrived before it; the i-th request of a group gets its group's turn plus i, so
    /// one caller's batch of prompts takes turns with the requests that arrive after it rather
    /// than occupying the queue until its last prompt is admitted (fair admission).
    mutating func takeTurn(group: String?) -> Int {
        guard let group else {
            defer { nextTurn += 1 }
            return nextTurn
        }
        if var turns = groups[group] {
            defer {
                turns.added += 1
                turns.live += 1
                groups[group] = turns
            }
            return turns.first + turns.added
        }
        defer { nextTurn += 1 }
        groups[group] = GroupTurns(first: nextTurn, added: 1, live: 1)
        return nextTurn
    }

    /// Forgets a finished request's share of its group, and the group after its last request.
    mutating func leaveGroup(_ request: Request) {
        guard let group = request.group, var turns = groups[group] else { return }
        turns.live -= 1
        groups[group] = turns.live > 0 ? turns : nil
    }

    /// Puts a request in the waiting queue where the policy wants it: under FCFS by queue key
    /// (arrival, with groups taking turns), or at the front when it was preempted; under priority
    /// at its (priority, queue key) place.
    mutating func enqueue(_ id: RequestID, preempted: Bool) {
        switch config.schedulingPolicy {
        case .fcfs:
            if preempted {
                waiting.insert(id, at: 0)
            } else {
                // From the back: a new request usually has the largest key. Preempted requests at
                // the front keep their place.
                let key = fcfsKey(id)
                var index = waiting.endIndex
                while index > waiting.startIndex, requests[waiting[index - 1]]?.status == .waiting,
                      fcfsKey(waiting[index - 1]) > key {
                    index -= 1
                }
                waiting.insert(id, at: index)
            }
        case .priority:
            let key = priorityKey(id)
            // Arrival indices are unique, so the place is unique; the queue is short next to a step.
            let index = waiting.firstIndex { priorityKey($0) > key } ?? waiting.endIndex
            waiting.insert(id, at: index)
        }
    }

    /// The order of ``SchedulingPolicy/priority``: lower priority values, then queue keys.
    func priorityKey(_ id: RequestID) -> PriorityKey {
        let request = liveRequest(id)
        return PriorityKey(priority: request.priority, queueKey: request.queueKey, arrivalIndex: request.arrivalIndex)
    }

    /// The FCFS order of requests that were never preempted: queue key, then arrival.
    func fcfsKey(_ id: RequestID) -> PriorityKey {
        let request = liveRequest(id)
        return PriorityKey(priority: 0, queueKey: request.queueKey, arrivalIndex: request.arrivalIndex)
    }

    /// A request's place in the waiting queue.
    struct PriorityKey: Comparable {
        let priority: Int
        let queueKey: Int
        let arrivalIndex: Int

        static func < (lhs: PriorityKey, rhs: PriorityKey) -> Bool {
            (lhs.priority, lhs.queueKey, lhs.arrivalIndex) < (rhs.priority, rhs.queueKey, rhs.arrivalIndex)
        }
    }

    /// Finishes a waiting or running request with ``FinishReason/abort`` and frees its blocks at
    /// once; returns it, or `nil` when no live request has this id.
    @discardableResult
    public mutating func abort(_ requestID: RequestID) -> Request? {
        finish(requestID, reason: .abort)
    }

    /// Finishes a waiting or running request now, for a reason found outside the scheduler (a
    /// stop string the detokenizer saw, a client that went away), and frees its blocks; returns
    /// it, or `nil` when no live request has this id.
    @discardableResult
    public mutating func finish(_ requestID: RequestID, reason: FinishReason, stopReason: StopReason? = nil) -> Request? {
        guard var request = requests.removeValue(forKey: requestID) else { return nil }
        leaveGroup(request)
        if let index = waiting.firstIndex(of: requestID) { waiting.remove(at: index) }
        if let index = running.firstIndex(of: requestID) { running.remove(at: index) }
        // A waiting request may have looked up the prefix cache, so the manager knows it too.
        kvCacheManager.free(requestID: requestID)
        request.status = .finished(reason)
        request.stopReason = stopReason
        abortedSinceLastStep.append(requestID)
        return request
    }

    /// Forgets every cached block; refused (false) while any request holds blocks.
    public mutating func resetPrefixCache() -> Bool {
        kvCacheManager.resetPrefixCache()
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

    /// The running requests' ids, in admission order.
    public var runningRequestIDs: [RequestID] { running }

    /// The waiting requests' ids, front of the queue first.
    public var waitingRequestIDs: [RequestID] { waiting }
}
