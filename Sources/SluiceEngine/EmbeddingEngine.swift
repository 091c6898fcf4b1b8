import Foundation
import SluiceCPU
import SluiceModel

/// The online engine of an embedding model: callers on any task submit lists of token-id inputs; one
/// step thread packs the waiting inputs, whoever sent them, into encoder passes of up to `maxBatchTokens`
/// tokens (no padding) and hands each request its vectors when its last input is done
/// (ARCHITECTURE.md, decision 17).
///
/// An encoder needs no KV cache, no scheduler state between steps and no sampling, so this is a small
/// batcher of its own beside `Engine` rather than a mode of `EngineCore` (vLLM runs pooling models
/// through its scheduler with a pooling runner because its scheduler also owns the GPU's memory; here
/// the backend's executor owns all of it).
public final class EmbeddingEngine: Sendable {
    public let configuration: EncoderConfiguration
    /// The most tokens one pass carries; at least the model's context, so every valid input fits.
    public let maxBatchTokens: Int
    private let queue: EmbeddingQueue

    /// Starts the step thread over an executor for `model` made by `backend`.
    public init(model: any EncoderModel, backend: any EncoderBackend = CPUBackend(), maxBatchTokens: Int? = nil,
                maxBatchSequences: Int = 256) {
        configuration = model.configuration
        self.maxBatchTokens = max(maxBatchTokens ?? 0, model.configuration.contextLength)
        let executor = backend.makeEncoderExecutor(for: model, maxBatchTokens: self.maxBatchTokens,
                                                   maxBatchSequences: maxBatchSequences)
        let queue = EmbeddingQueue(maxBatchTokens: executor.maxBatchTokens, maxBatchSequences: executor.maxBatchSequences)
        self.queue = queue
        let loop = EmbeddingLoop(executor: executor, queue: queue)
        let thread = Thread { loop.run() }
        thread.name = "sluice-embedding"
        thread.start()
    }

    deinit { shutdown() }

    /// Vector width.
    public var dimensions: Int { configuration.hiddenSize }

    /// Checks `inputs` as the door of the engine (none empty, none longer than the context, every id in
    /// the vocabulary): the only check a request gets, so a server can answer 400 before anything runs.
    public func validate(_ inputs: [[Int]]) throws(EmbeddingError) {
        guard !inputs.isEmpty else { throw .emptyInput(index: nil) }
        let c = configuration
        for (index, input) in inputs.enumerated() {
            guard !input.isEmpty else { throw .emptyInput(index: index) }
            guard input.count <= c.contextLength else {
                throw .inputTooLong(index: index, tokens: input.count, maxTokens: c.contextLength)
            }
            if let bad = input.first(where: { $0 < 0 || $0 >= c.vocabularySize }) {
                throw .tokenOutOfRange(index: index, token: bad, vocabularySize: c.vocabularySize)
            }
        }
    }

    /// The unit vectors of `inputs`, in order. Throws `EmbeddingError` for inputs that cannot run, and
    /// `CancellationError` when the calling task is cancelled first (its inputs that have not run yet are
    /// dropped from the queue).
    public func embed(_ inputs: [[Int]]) async throws -> [[Float]] {
        try validate(inputs)
        let job = EmbeddingJob(inputs: inputs.map { $0.map(Int32.init) })
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.submit(job, continuation)
            }
        } onCancel: {
            queue.cancel(job)
        }
    }

    /// Fails every waiting request with `EmbeddingError.shutDown` and stops the step thread once the
    /// pass in flight is done.
    public func shutdown() { queue.shutDown() }

    /// Passes run so far (for tests: requests sent together share them).
    public var passCount: Int { queue.passCount }
}

/// One request: its inputs, the vectors made so far, and how to hand them back.
final class EmbeddingJob: @unchecked Sendable {
    // @unchecked: every field but `inputs` is read and written only under the queue's lock.
    let inputs: [[Int32]]
    var vectors: [[Float]]
    var remaining: Int
    var continuation: CheckedContinuation<[[Float]], any Error>?
    var cancelled = false

    init(inputs: [[Int32]]) {
        self.inputs = inputs
        vectors = Array(repeating: [], count: inputs.count)
        remaining = inputs.count
    }
}

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
        return pass
    }

    /// Stores a pass's vectors (row `i` for `pass[i]`) and resumes every job whose last input this was.
    func finish(_ pass: [Item], vectors: UnsafeBufferPointer<Float>, width: Int) {
        condition.lock()
        defer { condition.unlock() }
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
        for item in pass {
            guard let continuation = item.job.continuation else { continue }
            continuation.resume(throwing: EmbeddingError.backend(error))
            item.job.continuation = nil
            item.job.cancelled = true
            items.removeAll { $0.job === item.job }
        }
    }
}

/// The step thread's loop: take a pass, run it, hand the vectors back.
struct EmbeddingLoop: @unchecked Sendable {
    // @unchecked: the executor is used by the step thread alone, after the init that made it.
    let executor: any EncoderExecutor
    let queue: EmbeddingQueue

    func run() {
        while let pass = queue.nextPass() {
            let batch = EncoderBatch(pass.map { $0.job.inputs[$0.index] })
            do {
                let vectors = try executor.embed(batch)
                queue.finish(pass, vectors: vectors, width: executor.configuration.hiddenSize)
            } catch {
                queue.fail(pass, error)
            }
        }
    }
}
