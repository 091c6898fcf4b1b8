import Foundation

/// The bounded hand-off between the engine's step thread and the publisher thread: a push never
/// waits, and a batch that finds the queue full is dropped and counted, so a slow or stuck
/// publisher can never hold up a step.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is locked.
final class KVEventQueue: @unchecked Sendable {
    /// What ``pop(timeout:)`` found.
    enum Next {
        case batch(KVEventBatch)
        case timedOut
        case closed
    }

    private let condition = NSCondition()
    private let capacity: Int
    /// The queued batches from `head` on; the slots before `head` are taken and reclaimed in bulk.
    private var batches: [KVEventBatch] = []
    private var head = 0
    private var isClosed = false
    private var dropped = 0

    init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    /// Queues `batch`, or drops it when `capacity` batches wait; false when dropped or closed.
    @discardableResult
    func push(_ batch: KVEventBatch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { return false }
        guard batches.count - head < capacity else {
            dropped += 1
            return false
        }
        batches.append(batch)
        condition.signal()
        return true
    }

    /// The oldest batch, waiting at most `timeout` seconds for one; after ``close()`` the batches
    /// still queued, then `closed`.
    func pop(timeout: Double) -> Next {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while head == batches.count && !isClosed {
            if !condition.wait(until: deadline) { break }
        }
        guard head < batches.count else { return isClosed ? .closed : .timedOut }
        let batch = batches[head]
        head += 1
        if head == batches.count {
            batches.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= batches.count {
            batches.removeFirst(head)
            head = 0
        }
        return .batch(batch)
    }

    /// Ends the queue: pushes are refused, pops drain what is left.
    func close() {
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Batches dropped because the queue was full.
    var numDropped: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }
}
