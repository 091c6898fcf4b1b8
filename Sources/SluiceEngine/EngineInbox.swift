import Foundation

/// The one place where callers' threads meet the step thread: submissions and aborts go in, so do
/// the requests a stop string ended (from the output thread), stats come out, all under one lock
/// whose condition wakes an idle step thread.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is
/// locked, so no two threads touch them at once.
final class EngineInbox: @unchecked Sendable {
    /// A checked request on its way to the step thread, with the stream its outputs go to.
    struct Submission: Sendable {
        let request: EngineCoreRequest
        let continuation: AsyncThrowingStream<RequestOutput, Error>.Continuation
    }

    /// What the step thread takes on one turn.
    struct Work {
        /// Child requests whose text reached a stop string: finish them first, before any
        /// submission that may reuse a finished caller's id.
        var stoppedByString: [(RequestID, String)]
        var submissions: [Submission]
        var aborts: [RequestID]
        var stopping: Bool
    }

    private let condition = NSCondition()
    private var stoppedByString: [(RequestID, String)] = []
    private var submissions: [Submission] = []
    private var aborts: [RequestID] = []
    /// Requests submitted and whose stream has not ended, to refuse a duplicate id at once.
    private var liveRequestIDs: Set<RequestID> = []
    private var stopping = false
    private var stopped = false
    private var lastStats: EngineStats
    /// The cached block set behind the KV events published so far; nil without KV events.
    private var lastCachedBlockHashes: Set<BlockHash>?
    /// Called on the output thread after every step, for metrics.
    private var stepObservers: [@Sendable (StepRecord) -> Void] = []

    init(stats: EngineStats, cachedBlockHashes: Set<BlockHash>? = nil) {
        lastStats = stats
        lastCachedBlockHashes = cachedBlockHashes
    }

    /// Queues a submission, or refuses it: a duplicate id, a full queue, or an engine shut down.
    func submit(_ submission: Submission, maxQueued: Int?) throws {
        condition.lock()
        defer { condition.unlock() }
        let id = submission.request.requestID
        guard !stopping else { throw EngineError.shutDown }
        guard !liveRequestIDs.contains(id) else { throw SchedulerError.duplicateRequestID(id) }
        if let maxQueued, lastStats.numWaiting + submissions.count >= maxQueued {
            throw EngineError.queueFull(limit: maxQueued)
        }
        liveRequestIDs.insert(id)
        submissions.append(submission)
        condition.signal()
    }

    /// Asks the step thread to abort a request; unknown or finished ids are ignored there.
    func abort(_ requestID: RequestID) {
        condition.lock()
        aborts.append(requestID)
        condition.signal()
        condition.unlock()
    }

    /// Asks the step thread to finish child requests whose text reached a stop string, freeing
    /// their blocks (the output thread has already ended their outputs).
    func finish(stoppedByString stopped: [(RequestID, String)]) {
        guard !stopped.isEmpty else { return }
        condition.lock()
        stoppedByString += stopped
        condition.signal()
        condition.unlock()
    }

    /// Stops the step thread after it aborts everything, and waits until every stream has ended.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    /// The step thread's turn: takes what arrived, sleeping first while there is nothing to do
    /// (`busy` says whether requests are in flight).
    func takeWork(busy: Bool) -> Work {
        condition.lock()
        defer { condition.unlock() }
        while !busy && submissions.isEmpty && aborts.isEmpty && stoppedByString.isEmpty && !stopping {
            condition.wait()
        }
        let work = Work(stoppedByString: stoppedByString, submissions: submissions, aborts: aborts, stopping: stopping)
        stoppedByString.removeAll(keepingCapacity: true)
        submissions.removeAll(keepingCapacity: true)
        aborts.removeAll(keepingCapacity: true)
        return work
    }

    /// Publishes the step thread's stats.
    func publish(_ stats: EngineStats) {
        condition.lock()
        lastStats = stats
        condition.unlock()
    }

    /// Publishes the prefix cache's hashes after a turn that changed them (only with KV events on).
    func publish(cachedBlockHashes: Set<BlockHash>) {
        condition.lock()
        lastCachedBlockHashes = cachedBlockHashes
        condition.unlock()
    }

    /// The prefix cache's hashes as of the last turn that changed them; nil without KV events.
    var cachedBlockHashes: Set<BlockHash>? {
        condition.lock()
        defer { condition.unlock() }
        return lastCachedBlockHashes
    }

    /// Forgets requests whose streams have ended, so their ids may be used again.
    func release(_ requestIDs: [RequestID]) {
        guard !requestIDs.isEmpty else { return }
        condition.lock()
        for id in requestIDs { liveRequestIDs.remove(id) }
        condition.unlock()
    }

    /// Adds a function the output thread calls with every step's record.
    func addStepObserver(_ observer: @escaping @Sendable (StepRecord) -> Void) {
        condition.lock()
        stepObservers.append(observer)
        condition.unlock()
    }

    /// Hands a step's record to every observer, on the calling (output) thread, outside the lock.
    func notify(_ step: StepRecord) {
        condition.lock()
        let observers = stepObservers
        condition.unlock()
        for observer in observers { observer(step) }
    }

    /// Marks the engine's threads gone; ``shutdown()`` returns.
    func markStopped() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// The last published stats, with submissions the step thread has not seen counted as waiting.
    var stats: EngineStats {
        condition.lock()
        defer { condition.unlock() }
        var stats = lastStats
        stats.numWaiting += submissions.count
        return stats
    }
}
