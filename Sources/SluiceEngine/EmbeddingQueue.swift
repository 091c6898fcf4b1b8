import Foundation
import SluiceModel

/// The waiting inputs in arrival order, and the lock where the callers' tasks and the step thread meet.
final class EmbeddingQueue: @unchecked Sendable {
    // @unchecked: every mutable field is touched only while `condition` is locked.
    struct Item {
        let job: EmbeddingJob
        let index: Int
    }

    let maxBatchTokens: Int
    let maxBatchSequences: Int
    private let condition = NSCondition()
    private var items: [Item] = []
    private var isShutDown = false
    private var passes = 0
    /// Inputs in the pass taken last, until it finishes or fails.
    private var inPass = 0

    init(maxBatchTokens: Int, maxBatchSequences: Int) {
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchSequences = maxBatchSequences
    }

    func submit(_ job: EmbeddingJob, _ continuation: CheckedContinuation<[[Float]], any Error>) {
        condition.lock()
        defer { condition.unlock() }
        guard !isShutDown else { return continuation.resume(throwing: EmbeddingError.shutDown) }
        guard !job.cancelled else { return continuation.resume(throwing: CancellationError()) }
        job.continuation = continuation
        items.append(contentsOf: job.inputs.indices.map { Item(job: job, index: $0) })
        condition.signal()
    }

    /// Drops the job's waiting inputs and ends its wait with `CancellationError`; a pass already running
    /// its inputs finishes, and their vectors are thrown away.
    func cancel(_ job: EmbeddingJob) {
        condition.lock()
        defer { condition.unlock() }
        job.cancelled = true
        items.removeAll { $0.job === job }
        job.continuation?.resume(throwing: CancellationError())
        job.continuation = nil
    }

    func shutDown() {
        condition.lock()
        defer { condition.unlock() }
        guard !isShutDown else { return }
        isShutDown = true
        var failed = Set<ObjectIdentifier>()
        for item in items where failed.insert(ObjectIdentifier(item.job)).inserted {
            item.job.continuation?.resume(throwing: EmbeddingError.shutDown)
            item.job.continuation = nil
        }
        items.removeAll()
        condition.broadcast()
    }

    var passCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return passes
    }

    /// Inputs waiting for a pass, and inputs in the pass running now.
    var state: (waiting: Int, running: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (items.count, inPass)
    }

    /// Waits for work and takes the next pass: inputs in arrival order while they fit the token and input
    /// budgets (the first always fits: no input is longer than the budget). Nil once shut down.
    func nextPass() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !isShutDown { condition.wait() }
        guard !isShutDown else { return nil }
        var tokens = 0
        var count = 0
        while count < items.count, count < maxBatchSequences {
            let length = items[count].job.inputs[items[count].index].count
            guard count == 0 || tokens + length <= maxBatchTokens else { break }
            tokens += length
            count += 1
        }
        let pass = Array(items[..<count])
        items.removeFirst(count)
        passes += 1
        inPass = count
        return pass
    }

    /// Stores a pass's vectors (row `i` for `pass[i]`) and resumes every job whose last input this was.
    func finish(_ pass: [Item], vectors: UnsafeBufferPointer<Float>, width: Int) {
        condition.lock()
        defer { condition.unlock() }
        inPass = 0
        for (row, item) in pass.enumerated() where !item.job.cancelled && item.job.continuation != nil {
            item.job.vectors[item.index] = Array(vectors[(row * width)..<((row + 1) * width)])
            item.job.remaining -= 1
            if item.job.remaining == 0 {
                item.job.continuation?.resume(returning: item.job.vectors)
                item.job.continuation = nil
            }
        }
    }

    /// Fails every job of a pass the backend could not run (and drops their other waiting inputs).
    func fail(_ pass: [Item], _ error: ModelError) {
        condition.lock()
        defer { condition.unlock() }
        inPass = 0
        for item in pass {
            guard let continuation = item.job.continuation else { continue }
            continuation.resume(throwing: EmbeddingError.backend(error))
            item.job.continuation = nil
            item.job.cancelled = true
            items.removeAll { $0.job === item.job }
        }
    }
}
