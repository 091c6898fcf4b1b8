/// The shape every backend needs to size its memory for a model, whatever its architecture: layer
/// count, widths, heads, vocabulary. Each architecture reads it from GGUF (`GGUFHyperparameters`)
/// and keeps its own quirks (RoPE, windows, norms) in its own file.
public struct ModelConfiguration: Sendable, Equatable {
    /// `general.architecture`, as the file names it.
    public var architecture: String
    public var numLayers: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHeads: Int
    public var numKVHeads: Int
    public var headDim: Int
    public var rmsNormEps: Float
    /// The context length the model was trained for (`--max-model-len` defaults to it).
    public var contextLength: Int
    public var vocabularySize: Int

    /// Query heads that share one KV head.
    public var queryGroupSize: Int { numHeads / numKVHeads }
    public var kvDim: Int { numKVHeads * headDim }
    public var queryDim: Int { numHeads * headDim }

    /// Reads the keys every decoder architecture shares (`{arch}.block_count` ...), with llama.cpp's
    /// defaults where a key may be absent.
    public init(_ keys: GGUFHyperparameters, defaultRMSNormEps: Float = 1e-5) throws(ModelError) {
        architecture = keys.architecture
        numLayers = try keys.required("block_count")
        hiddenSize = try keys.required("embedding_length")
        intermediateSize = try keys.required("feed_forward_length")
        numHeads = try keys.required("attention.head_count")
        numKVHeads = keys.int("attention.head_count_kv") ?? numHeads
        headDim = keys.int("attention.key_length") ?? (numHeads > 0 ? hiddenSize / numHeads : 0)
        rmsNormEps = keys.float("attention.layer_norm_rms_epsilon") ?? defaultRMSNormEps
        contextLength = keys.int("context_length") ?? 2048
        guard let embedding = keys.file.tensor(named: "token_embd.weight"), embedding.dimensions.count == 2 else {
            throw .missingTensor(name: "token_embd.weight")
        }
        vocabularySize = embedding.dimensions[1]
        try validate()
    }

    func validate() throws(ModelError) {
        let positive = [numLayers, hiddenSize, intermediateSize, numHeads, numKVHeads, headDim, vocabularySize]
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
    }
}

/// The `{architecture}.`-prefixed metadata of a GGUF file: the only place GGUF key names are spelled.
public struct GGUFHyperparameters {
    public let file: GGUFFile
    public let architecture: String

    public init(_ file: GGUFFile) throws(ModelError) {
        guard let arch = file.string("general.architecture") else { throw .missingMetadata(key: "general.architecture") }
        self.file = file
        architecture = arch
    }

    public func int(_ key: String) -> Int? { file.int("\(architecture).\(key)") }
    public func float(_ key: String) -> Float? { file.float("\(architecture).\(key)").map(Float.init) }
    public func string(_ key: String) -> String? { file.string("\(architecture).\(key)") }

    public func required(_ key: String) throws(ModelError) -> Int {
        guard let value = int(key) else { throw .missingMetadata(key: "\(architecture).\(key)") }
        return value
    }
}
