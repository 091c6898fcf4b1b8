/// How RoPE pairs the dimensions of a head.
public enum RopeStyle: Sendable, Equatable {
    /// Adjacent pairs (x[2i], x[2i+1]): Llama GGUF files, whose Q/K rows the converter permuted for this.
    case normal
    /// Pairs (x[i], x[i + d/2]): GPT-NeoX style, used by Qwen2.
    case neox
}

/// The hyper-parameters of a Llama-family model, read from GGUF metadata.
///
/// GGUF names appear only here (`{arch}.block_count` ...); the rest of Sluice uses these fields.
public struct LlamaConfiguration: Sendable, Equatable {
    public static let supportedArchitectures: Set<String> = ["llama", "mistral", "qwen2"]

    public var architecture: String
    public var numLayers: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var headDim: Int
    public var ropeDim: Int
    public var ropeFreqBase: Float
    public var ropeStyle: RopeStyle
    public var rmsNormEps: Float
    /// The context length the model was trained for (`--max-model-len` defaults to it).
    public var contextLength: Int
    public var vocabularySize: Int

    /// Query heads that share one KV head.
    public var queryGroupSize: Int { numHeads / numKVHeads }
    public var kvDim: Int { numKVHeads * headDim }
    public var queryDim: Int { numHeads * headDim }

    public init(gguf: GGUFFile) throws(ModelError) {
        guard let arch = gguf.string("general.architecture") else {
            throw .missingMetadata(key: "general.architecture")
        }
        guard Self.supportedArchitectures.contains(arch) else { throw .unsupportedArchitecture(arch) }
        func required(_ key: String) throws(ModelError) -> Int {
            guard let value = gguf.int("\(arch).\(key)") else { throw .missingMetadata(key: "\(arch).\(key)") }
            return value
        }
        architecture = arch
        numLayers = try required("block_count")
        hiddenSize = try required("embedding_length")
        intermediateSize = try required("feed_forward_length")
        numHeads = try required("attention.head_count")
        numKVHeads = gguf.int("\(arch).attention.head_count_kv") ?? numHeads
        headDim = gguf.int("\(arch).attention.key_length") ?? (numHeads > 0 ? hiddenSize / numHeads : 0)
        ropeDim = gguf.int("\(arch).rope.dimension_count") ?? headDim
        ropeFreqBase = Float(gguf.float("\(arch).rope.freq_base") ?? 10_000)
        ropeStyle = arch == "qwen2" ? .neox : .normal
        rmsNormEps = Float(gguf.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5)
        contextLength = gguf.int("\(arch).context_length") ?? 2048
        guard let embedding = gguf.tensor(named: "token_embd.weight"), embedding.dimensions.count == 2 else {
            throw .missingTensor(name: "token_embd.weight")
        }
        vocabularySize = embedding.dimensions[1]
        try validate()
    }

    func validate() throws(ModelError) {
        let positive = [numLayers, hiddenSize, intermediateSize, numHeads, numKVHeads, headDim, ropeDim, vocabularySize]
        guard positive.allSatisfy({ $0 > 0 }) else {
            throw .unsupportedShape("every layer count and size must be positive")
        }
        guard numHeads % numKVHeads == 0 else {
            throw .unsupportedShape("\(numHeads) query heads do not divide into \(numKVHeads) KV heads")
        }
        // Limits of the attention kernel's per-task stack buffers (CKernels/attention.c).
        guard headDim <= 256, queryGroupSize <= 16 else {
            throw .unsupportedShape("head dim \(headDim) (max 256) or \(queryGroupSize) query heads per KV head (max 16)")
        }
        guard ropeDim <= headDim, ropeDim % 2 == 0 else {
            throw .unsupportedShape("rope dimension \(ropeDim) must be even and at most the head dim \(headDim)")
        }
    }
}
