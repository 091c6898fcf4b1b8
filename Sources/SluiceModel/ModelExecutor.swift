/// The engine's view of a backend (ARCHITECTURE.md, decision 12): something that runs a `ForwardBatch`
/// over the KV blocks the engine hands out and returns the logits of the rows that sample. The engine
/// knows block ids and this protocol, never memory addresses, kernels or where the weights live.
public protocol ModelExecutor: AnyObject {
    var vocabularySize: Int { get }
    /// Workers the backend computes on (reported by benchmarks).
    var threadCount: Int { get }
    /// Runs the batch; returns `[batch.logitIndices.count, vocabularySize]` logits, row-major, owned by
    /// the executor and valid until the next call.
    func execute(_ batch: ForwardBatch) throws(ModelError) -> UnsafeBufferPointer<Float>
}

/// What an executor is sized for: the engine's KV pool and batch limits.
public struct ExecutorLimits: Sendable, Equatable {
    /// KV blocks in the pool, block 0 (the null block) included.
    public var numBlocks: Int
    public var blockSize: Int
    /// The most tokens one `execute` carries.
    public var maxBatchTokens: Int
    /// The most logit rows one `execute` asks for.
    public var maxLogitRows: Int
    /// The longest sequence a batch may hold.
    public var maxModelLength: Int

    public init(numBlocks: Int, blockSize: Int, maxBatchTokens: Int, maxLogitRows: Int, maxModelLength: Int) {
        self.numBlocks = numBlocks
        self.blockSize = blockSize
        self.maxBatchTokens = maxBatchTokens
        self.maxLogitRows = maxLogitRows
        self.maxModelLength = maxModelLength
    }
}

extension ModelBackend {
    /// A backend without restrictions accepts every model.
    public func check(_ model: any DecoderModel) throws(ModelError) {}

    /// A backend with nothing to share makes a plain executor.
    public func makeExecutor(for model: any DecoderModel, limits: ExecutorLimits,
                             sharingWorkersWith executor: any ModelExecutor) -> any ModelExecutor {
        makeExecutor(for: model, limits: limits)
    }
}

/// The element type of the KV cache (`--kv-cache-dtype`, vLLM's flag): `auto` is the backend's default
/// (f16 on the CPU); Q8_0 halves the memory and the bandwidth attention reads, at a small cost in accuracy.
public enum KVCacheDType: String, Sendable, CaseIterable {
    case auto, f16, bf16
    case q8_0 = "q8_0"
}

/// A backend: how much KV memory a model's token takes in it, and executors for a model. The CPU
/// backend is `CPUBackend`; another (a GPU) implements the same two requirements and the engine runs
/// on it unchanged.
public protocol ModelBackend: Sendable {
    /// Bytes of KV memory one token slot of a block occupies for `model`: the K and V of the layers one
    /// block holds (``KVCacheLayout/layerSlots``; all layers when the model has one KV-cache group).
    func kvBytesPerToken(for model: any DecoderModel) -> Int
    /// Refuses a model this backend cannot run as configured (a KV-cache type its kernels lack for the
    /// model's head size, say), before anything is allocated.
    func check(_ model: any DecoderModel) throws(ModelError)
    /// An executor for `model`: the backend prepares the weights (repacks them) and allocates the KV pool.
    func makeExecutor(for model: any DecoderModel, limits: ExecutorLimits) -> any ModelExecutor
    /// An executor for a second model that the same thread drives one pass at a time beside
    /// `executor` (a draft model beside its target), sharing what the backend can share (the CPU
    /// backend's kernel workers).
    func makeExecutor(for model: any DecoderModel, limits: ExecutorLimits,
                      sharingWorkersWith executor: any ModelExecutor) -> any ModelExecutor
}
