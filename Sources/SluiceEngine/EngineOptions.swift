import Foundation
import SluiceCPU
import SluiceModel
import SluiceTokenizer

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
    /// The loaded draft model when ``speculative`` is ``SpeculativeConfig/Method/draftModel``.
    public var draftModel: DraftModel?
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
    ///
    /// With a draft model, the KV memory holds both pools with the same number of blocks, so the
    /// draft can hold every token the target holds: each token costs the target's bytes plus the
    /// draft's, and the draft's share of the memory is the ratio of its per-token bytes to the sum
    /// (Qwen2.5-Coder-0.5B drafting for the 1.5B: 12 KiB against 28 KiB a token in f16, 30%).
    public func schedulerConfig(for model: any DecoderModel) -> SchedulerConfig {
        let configuration = model.configuration
        var bytesPerToken = resolvedBackend.kvBytesPerToken(for: model)
        if let draftModel, speculative?.method == .draftModel {
            bytesPerToken += resolvedBackend.kvBytesPerToken(for: draftModel.model)
        }
        let capacity = KVCapacity(memory: kvCacheMemory, bytesPerToken: bytesPerToken, blockSize: blockSize)
        let maxModelLength = min(self.maxModelLength ?? configuration.contextLength, configuration.contextLength)
        var config = SchedulerConfig(
            maxNumBatchedTokens: maxNumBatchedTokens, maxNumSeqs: maxNumSeqs, maxModelLength: maxModelLength,
            blockSize: blockSize, enablePrefixCaching: enablePrefixCaching,
            numBlocks: capacity.numBlocks,
            maxStepLatency: maxStepLatency, schedulingPolicy: schedulingPolicy, speculative: speculative)
        config.kvCacheGroupWindows = model.kvCacheLayout.groupWindows
        return config
    }

    /// Makes the engine's core over `model`: its draft model's vocabulary checked against the
    /// target's `tokenizer` first, so a mismatch is refused before anything is allocated.
    public func makeCore(model: any DecoderModel, tokenizer: any Tokenizer) throws -> EngineCore {
        let draft = speculative?.method == .draftModel ? draftModel : nil
        try draft?.checkVocabulary(matches: model, tokenizer: tokenizer)
        return try EngineCore(model: model, config: schedulerConfig(for: model), eosTokenIDs: tokenizer.endOfGenerationTokenIDs,
                              backend: resolvedBackend, draftModel: draft?.model)
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
