import SluiceModel

/// The CPU backend: `ModelRunner` on `CKernels`, weights repacked for the packed GEMM where the CPU has it.
public struct CPUBackend: ModelBackend {
    public var threadCount: Int
    public var packWeights: Bool
    public var kvCacheDType: KVCacheDType

    public init(threadCount: Int = KernelThreadPool.defaultThreadCount, packWeights: Bool = PreparedWeights.packsWeights,
                kvCacheDType: KVCacheDType = .auto) {
        self.threadCount = threadCount
        self.packWeights = packWeights
        self.kvCacheDType = kvCacheDType
    }

    public func kvBytesPerToken(for model: any DecoderModel) -> Int {
        KVCacheStorage.bytesPerToken(model.configuration, layerSlots: model.kvCacheLayout.layerSlots, dtype: kvCacheDType)
    }

    public func check(_ model: any DecoderModel) throws(ModelError) {
        let headDim = model.configuration.headDim
        guard KVCacheStorage.supports(kvCacheDType, headDim: headDim) else {
            throw .unsupportedShape("a \(kvCacheDType.rawValue) KV cache needs a head dim that is a multiple of 32, not \(headDim)")
        }
    }

    public func makeExecutor(for model: any DecoderModel, limits: ExecutorLimits) -> any ModelExecutor {
        ModelRunner(model: model, numBlocks: limits.numBlocks, blockSize: limits.blockSize,
                    maxBatchTokens: limits.maxBatchTokens, maxLogitRows: limits.maxLogitRows,
                    maxModelLength: limits.maxModelLength, threadCount: threadCount, packWeights: packWeights,
                    kvCacheDType: kvCacheDType)
    }

    /// A runner on the kernel workers of `executor` when it is one of ours: the engine's one thread
    /// drives both, one pass at a time.
    public func makeExecutor(for model: any DecoderModel, limits: ExecutorLimits,
                             sharingWorkersWith executor: any ModelExecutor) -> any ModelExecutor {
        ModelRunner(model: model, numBlocks: limits.numBlocks, blockSize: limits.blockSize,
                    maxBatchTokens: limits.maxBatchTokens, maxLogitRows: limits.maxLogitRows,
                    maxModelLength: limits.maxModelLength, threadCount: threadCount, packWeights: packWeights,
                    kvCacheDType: kvCacheDType, sharingWorkersWith: executor as? ModelRunner)
    }
}

extension ModelRunner: ModelExecutor {}
