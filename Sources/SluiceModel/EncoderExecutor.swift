/// Inputs packed for one encoder pass: their tokens back to back, no padding (ARCHITECTURE.md,
/// decision 17). Each input's tokens attend to each other only.
public struct EncoderBatch: Sendable, Equatable {
    /// [Σ lengths] every input's token ids, in order.
    public var tokenIDs: [Int32]
    /// [inputs] each input's token count (at least 1).
    public var lengths: [Int]

    public init(tokenIDs: [Int32], lengths: [Int]) {
        self.tokenIDs = tokenIDs
        self.lengths = lengths
    }

    /// The inputs `sequences`, packed.
    public init(_ sequences: [[Int32]]) {
        tokenIDs = sequences.flatMap { $0 }
        lengths = sequences.map(\.count)
    }

    public var numTokens: Int { tokenIDs.count }
    public var numSequences: Int { lengths.count }
}

/// The embedding engine's view of a backend: runs an `EncoderBatch` and returns one pooled,
/// L2-normalised vector per input. Like `ModelExecutor`, nothing above it knows where it runs.
public protocol EncoderExecutor: AnyObject {
    var configuration: EncoderConfiguration { get }
    /// The most tokens one `embed` carries.
    var maxBatchTokens: Int { get }
    /// The most inputs one `embed` carries.
    var maxBatchSequences: Int { get }
    /// Runs the batch; returns `[batch.numSequences, hiddenSize]` unit vectors, row-major, owned by the
    /// executor and valid until the next call.
    func embed(_ batch: EncoderBatch) throws(ModelError) -> UnsafeBufferPointer<Float>
}

/// A backend that runs encoders (the CPU backend is one).
public protocol EncoderBackend: Sendable {
    /// An executor for `model` sized for batches of up to `maxBatchTokens` tokens and `maxBatchSequences` inputs.
    func makeEncoderExecutor(for model: any EncoderModel, maxBatchTokens: Int, maxBatchSequences: Int) -> any EncoderExecutor
}
