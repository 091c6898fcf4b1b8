import Foundation
import SluiceCPU
import SluiceModel

/// The engine's sizing knobs, named like `vllm serve`'s flags.
public struct EngineOptions: Sendable {
    /// Bytes of KV-cache memory; the pool gets as many blocks as fit.
    public var kvCacheMemory: Int = EngineOptions.defaultKVCacheMemory
    public var blockSize: Int = 16
    public var maxNumBatchedTokens: Int = 512
    public var maxNumSeqs: Int = 64
    /// The longest prompt plus output; the model's trained context when nil.
    public var maxModelLength: Int?
    public var enablePrefixCaching: Bool = true
    /// Kernel threads of the default CPU backend.
    public var threadCount: Int = KernelThreadPool.defaultThreadCount
    /// The KV cache's element type (`--kv-cache-dtype`), for the default CPU backend.
    public var kvCacheDType: KVCacheDType = .auto
    /// The backend the forward passes run on; nil: the CPU backend with ``threadCount`` threads.
    public var backend: (any ModelBackend)?
    /// When set, requests beyond this many waiting are refused (the server answers 429).
    public var maxQueuedRequests: Int?
    /// How long one step may take (`--max-step-latency-ms`); see ``StepLatencyTarget``.
    public var maxStepLatency: StepLatencyTarget = .automatic
    /// The order of admission (`--scheduling-policy`).
    public var schedulingPolicy: SchedulingPolicy = .fcfs
    /// Speculative decoding (`--speculative-config`); off when nil.
    public var speculative: SpeculativeConfig?
    /// The step cost model to plan with; `nil` measures one at start-up (unless
    /// ``maxStepLatency`` is ``StepLatencyTarget/off``, which needs none).
    public var stepCostModel: StepCostModel?
    /// Takes the prefix cache's changes after every step that made some (`--kv-events-config`);
    /// nil records none.
    public var kvEventSink: (any KVEventSink)?

    public init() {}

    /// A quarter of the machine's memory, at most 4 GiB (vLLM's CPU backend reserves 4 GiB of KV
    /// space by default) and at least 256 MiB. Pages are touched only as blocks fill.
    public static var defaultKVCacheMemory: Int {
        let quarter = Int(clamping: ProcessInfo.processInfo.physicalMemory / 4)
        return min(max(quarter, 256 << 20), 4 << 30)
    }

    /// ``backend``, or the CPU backend.
    public var resolvedBackend: any ModelBackend {
        backend ?? CPUBackend(threadCount: threadCount, kvCacheDType: kvCacheDType)
    }

    /// The scheduler configuration these options give for `model`.
    public func schedulerConfig(for model: any DecoderModel) -> SchedulerConfig {
        let configuration = model.configuration
        let capacity = KVCapacity(memory: kvCacheMemory, bytesPerToken: resolvedBackend.kvBytesPerToken(for: model),
                                  blockSize: blockSize)
        let maxModelLength = min(self.maxModelLength ?? configuration.contextLength, configuration.contextLength)
        return SchedulerConfig(
            maxNumBatchedTokens: maxNumBatchedTokens, maxNumSeqs: maxNumSeqs, maxModelLength: maxModelLength,
            blockSize: blockSize, enablePrefixCaching: enablePrefixCaching,
            numBlocks: capacity.numBlocks,
            maxStepLatency: maxStepLatency, schedulingPolicy: schedulingPolicy, speculative: speculative)
    }

    /// Gives `core` its step cost model: ``stepCostModel`` when set, else one measured now, else
    /// none when no time target applies.
    public func prepareStepCost(of core: EngineCore) throws {
        if let stepCostModel {
            core.useStepCostModel(stepCostModel)
        } else if maxStepLatency != .off {
            try core.calibrateStepCost()
        }
    }
}
