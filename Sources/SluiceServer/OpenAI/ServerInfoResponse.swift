import SluiceEngine

/// The body of `GET /server_info`: the engine's configuration as JSON, in the shape of vLLM's
/// `/server_info?config_format=json` (`{"vllm_config": {"model_config": …, "cache_config": …,
/// "scheduler_config": …, "speculative_config": …}}`) with vLLM's field names, so that a router
/// or an operator that reads one server reads the other. Only the fields Sluice has are present.
struct ServerInfoResponse: Encodable, Sendable {
    var vllmConfig: Config
    /// The server's version, as `GET /version` reports it.
    var version: String
    /// The tool-call format chat answers are read in, chosen or detected. vLLM keeps its `--tool-call-parser`
    /// outside `vllm_config`, so this is Sluice's own field, next to it.
    var toolCallParser: String

    enum CodingKeys: String, CodingKey {
        case version
        case vllmConfig = "vllm_config"
        case toolCallParser = "tool_call_parser"
    }

    struct Config: Encodable, Sendable {
        var modelConfig: ModelConfig
        var cacheConfig: CacheConfig
        var schedulerConfig: SchedulerFields
        var speculativeConfig: SpeculativeFields?
        var parallelConfig: ParallelConfig

        enum CodingKeys: String, CodingKey {
            case modelConfig = "model_config"
            case cacheConfig = "cache_config"
            case schedulerConfig = "scheduler_config"
            case speculativeConfig = "speculative_config"
            case parallelConfig = "parallel_config"
        }

        // Written out so that a missing speculative configuration reads `null`, as vLLM's does.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(modelConfig, forKey: .modelConfig)
            try container.encode(cacheConfig, forKey: .cacheConfig)
            try container.encode(schedulerConfig, forKey: .schedulerConfig)
            try container.encode(speculativeConfig, forKey: .speculativeConfig)
            try container.encode(parallelConfig, forKey: .parallelConfig)
        }
    }

    struct ModelConfig: Encodable, Sendable {
        /// The GGUF file, or the served name when the file is not known.
        var model: String
        var servedModelName: String
        var maxModelLen: Int
        var architecture: String?
        /// The weights' format: always GGUF, whose tensors carry their own quantization.
        var quantization = "gguf"
        var vocabSize: Int

        enum CodingKeys: String, CodingKey {
            case model, architecture, quantization
            case servedModelName = "served_model_name"
            case maxModelLen = "max_model_len"
            case vocabSize = "vocab_size"
        }
    }

    struct CacheConfig: Encodable, Sendable {
        var blockSize: Int
        /// Usable blocks, as vLLM counts them (the null block excluded).
        var numGpuBlocks: Int
        var cacheDtype: String
        var enablePrefixCaching: Bool

        enum CodingKeys: String, CodingKey {
            case blockSize = "block_size"
            case numGpuBlocks = "num_gpu_blocks"
            case cacheDtype = "cache_dtype"
            case enablePrefixCaching = "enable_prefix_caching"
        }
    }

    struct SchedulerFields: Encodable, Sendable {
        var maxNumSeqs: Int
        var maxNumBatchedTokens: Int
        var maxModelLen: Int
        var longPrefillTokenThreshold: Int
        var policy: String
        var maxQueuedRequests: Int?

        enum CodingKeys: String, CodingKey {
            case policy
            case maxNumSeqs = "max_num_seqs"
            case maxNumBatchedTokens = "max_num_batched_tokens"
            case maxModelLen = "max_model_len"
            case longPrefillTokenThreshold = "long_prefill_token_threshold"
            case maxQueuedRequests = "max_queued_requests"
        }
    }

    struct SpeculativeFields: Encodable, Sendable {
        var method: String
        var numSpeculativeTokens: Int
        var promptLookupMin: Int
        var promptLookupMax: Int
        var disableByBatchSize: Int
        /// The draft model as configured (`draft_model`); absent for n-gram lookup.
        var model: String?

        enum CodingKeys: String, CodingKey {
            case method
            case numSpeculativeTokens = "num_speculative_tokens"
            case promptLookupMin = "prompt_lookup_min"
            case promptLookupMax = "prompt_lookup_max"
            case disableByBatchSize = "disable_by_batch_size"
            case model
        }
    }

    /// One engine on one machine's CPU; the thread count is Sluice's own field.
    struct ParallelConfig: Encodable, Sendable {
        var tensorParallelSize = 1
        var dataParallelSize = 1
        var device = "cpu"
        var threadCount: Int?

        enum CodingKeys: String, CodingKey {
            case device
            case tensorParallelSize = "tensor_parallel_size"
            case dataParallelSize = "data_parallel_size"
            case threadCount = "thread_count"
        }
    }
}

extension ServerInfoResponse {
    /// The report for `engine` served under `configuration`, reading tool calls as `toolCallParser`.
    init(engine: Engine, configuration: ServerConfiguration, toolCallParser: ToolCallParserKind) {
        let config = engine.config
        let description = configuration.engineDescription
        version = configuration.version
        self.toolCallParser = toolCallParser.rawValue
        vllmConfig = Config(
            modelConfig: ModelConfig(
                model: description.modelPath ?? configuration.servedModelName,
                servedModelName: configuration.servedModelName, maxModelLen: config.maxModelLength,
                architecture: description.architecture, vocabSize: engine.vocabularySize),
            cacheConfig: CacheConfig(
                blockSize: config.blockSize, numGpuBlocks: config.kvCapacity.numUsableBlocks,
                cacheDtype: description.kvCacheDType, enablePrefixCaching: config.enablePrefixCaching),
            schedulerConfig: SchedulerFields(
                maxNumSeqs: config.maxNumSeqs, maxNumBatchedTokens: config.maxNumBatchedTokens,
                maxModelLen: config.maxModelLength, longPrefillTokenThreshold: config.longPrefillTokenThreshold ?? 0,
                policy: config.schedulingPolicy.rawValue, maxQueuedRequests: engine.maxQueuedRequests),
            speculativeConfig: config.speculative.map {
                SpeculativeFields(method: $0.method.rawValue, numSpeculativeTokens: $0.numSpeculativeTokens,
                                  promptLookupMin: $0.promptLookupMin, promptLookupMax: $0.promptLookupMax,
                                  disableByBatchSize: $0.disableByBatchSize, model: $0.model)
            },
            parallelConfig: ParallelConfig(threadCount: description.threadCount))
    }
}
