import Foundation

/// The one place where callers' threads meet the step thread: submissions and aborts go in,
/// stats come out, all under one lock whose condition wakes an idle step thread.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is
/// locked, so no two threads touch them at once.
final class EngineInbox: @unchecked Sendable {
    /// A request on its way to the step thread.
    struct Submission: Sendable {
        let requestID: RequestID
        let promptTokenIDs: [Int]
        let params: SamplingParams
        /// Lower runs first under ``SchedulingPolicy/priority``.
        let priority: Int
        let arrival: ContinuousClock.Instant
        let continuation: AsyncThrowingStream<RequestOutput, Error>.Continuation
    }

    /// What the step thread takes on one turn.
    struct Work {
        var submissions: [Submission]
        var aborts: [RequestID]
        var stopping: Bool
    }

    private let condition = NSCondition()
    private var submissions: [Submission] = []
    private var aborts: [RequestID] = []
    /// Requests submitted and not yet finished, to refuse a duplicate id at once.
    private var liveRequestIDs: Set<RequestID> = []
    private var stopping = false
    private var stopped = false
    private var lastStats: EngineStats
    /// Called on the step thread after every step, for metrics.
    private var stepObservers: [@Sendable (StepRecord) -> Void] = []

    init(stats: EngineStats) {
        lastStats = stats
    }

    /// Queues a submission, or refuses it: a duplicate id, a full queue, or an engine shut down.
    func submit(_ submission: Submission, maxQueued: Int?) throws {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { throw EngineError.shutDown }
        guard !liveRequestIDs.contains(submission.requestID) else {
            throw SchedulerError.duplicateRequestID(submission.requestID)
        }
        if let maxQueued, lastStats.numWaiting + submissions.count >= maxQueued {
            throw EngineError.queueFull(limit: maxQueued)
        }
        liveRequestIDs.insert(submission.requestID)
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

    /// Stops the step thread after it aborts everything, and waits until it has.
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
        while !busy && submissions.isEmpty && aborts.isEmpty && !stopping { condition.wait() }
        let work = Work(submissions: submissions, aborts: aborts, stopping: stopping)
        submissions.removeAll(keepingCapacity: true)
        aborts.removeAll(keepingCapacity: true)
        return work
    }

    /// Publishes the step thread's stats and forgets finished requests.
    func publish(_ stats: EngineStats, finished: [RequestID]) {
        condition.lock()
        lastStats = stats
        for id in finished { liveRequestIDs.remove(id) }
        condition.unlock()
    }

    /// Adds a function the step thread calls with every step's record.
    func addStepObserver(_ observer: @escaping @Sendable (StepRecord) -> Void) {
        condition.lock()
        stepObservers.append(observer)
        condition.unlock()
    }

    /// Hands a step's record to every observer, on the calling (step) thread, outside the lock.
    func notify(_ step: StepRecord) {
        condition.lock()
        let observers = stepObservers
        condition.unlock()
        for observer in observers { observer(step) }
    }

    /// Marks the step thread gone; ``shutdown()`` returns.
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
