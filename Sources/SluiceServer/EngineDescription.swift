/// What the command line knows about the engine beyond its ``SchedulerConfig``, for
/// `GET /server_info` and `cache_config_info`: routers and operators read which file is served,
/// of which architecture, with which KV-cache element type and how many threads.
public struct EngineDescription: Sendable, Equatable {
    /// The GGUF file served.
    public var modelPath: String?
    /// The model's architecture as the file names it (`general.architecture`, e.g. `llama`).
    public var architecture: String?
    /// The KV cache's element type, as `--kv-cache-dtype` spells it (vLLM's `cache_dtype`).
    public var kvCacheDType: String
    /// Kernel threads.
    public var threadCount: Int?

    /// A description with what is known; the KV-cache type defaults to vLLM's `auto`.
    public init(modelPath: String? = nil, architecture: String? = nil, kvCacheDType: String = "auto",
                threadCount: Int? = nil) {
        self.modelPath = modelPath
        self.architecture = architecture
        self.kvCacheDType = kvCacheDType
        self.threadCount = threadCount
    }
}
