import SluiceModel

/// The CPU backend: `ModelRunner` on `CKernels`, weights repacked for the packed GEMM where the CPU has it.
public struct CPUBackend: ModelBackend {
    public var threadCount: Int
    public var packWeights: Bool

    public init(threadCount: Int = KernelThreadPool.defaultThreadCount, packWeights: Bool = PreparedWeights.packsWeights) {
        self.threadCount = threadCount
        self.packWeights = packWeights
    }

    public func kvBytesPerToken(for model: any DecoderModel) -> Int {
        KVCacheStorage.bytesPerToken(model.configuration)
    }

    public func makeExecutor(for model: any DecoderModel, limits: ExecutorLimits) -> any ModelExecutor {
        ModelRunner(model: model, numBlocks: limits.numBlocks, blockSize: limits.blockSize,
                    maxBatchTokens: limits.maxBatchTokens, maxLogitRows: limits.maxLogitRows,
                    maxModelLength: limits.maxModelLength, threadCount: threadCount, packWeights: packWeights)
    }
}

extension ModelRunner: ModelExecutor {}
