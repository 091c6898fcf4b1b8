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

    /// Inputs waiting for a pass, and inputs in the pass on the model now (`/metrics`).
    public var queueState: (waiting: Int, running: Int) { queue.state }
}
