/// How an encoder turns its per-token states into one vector per input (GGUF's `pooling_type`,
/// sentence-transformers' pooling module).
public enum EncoderPooling: String, Sendable, Equatable {
    /// The average of every token's state.
    case mean
    /// The first token's state (`[CLS]`).
    case cls
    /// The last token's state.
    case last
}

/// The shape of an encoder (BERT and its kin): what a backend sizes its memory for and what the
/// architecture files read. A plain struct with an explicit memberwise init, so a Hugging Face
/// `config.json` can fill it as well as GGUF metadata (`init(_ keys:)`).
public struct EncoderConfiguration: Sendable, Equatable {
    /// `general.architecture` (or `model_type`), as the file names it.
    public var architecture: String
    public var numLayers: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHeads: Int
    public var headDim: Int
    /// LayerNorm's epsilon (`layer_norm_eps`).
    public var layerNormEps: Float
    /// The longest input, in tokens (BERT's position table has this many rows).
    public var contextLength: Int
    public var vocabularySize: Int
    /// Rows of the token-type table (BERT's segment embeddings); only type 0 is ever used, as llama.cpp.
    public var tokenTypeCount: Int
    public var pooling: EncoderPooling
    /// RoPE's base, for the encoders that rotate positions instead of embedding them (nomic-bert).
    public var ropeBase: Float

    public init(architecture: String, numLayers: Int, hiddenSize: Int, intermediateSize: Int, numHeads: Int,
                headDim: Int, layerNormEps: Float, contextLength: Int, vocabularySize: Int, tokenTypeCount: Int,
                pooling: EncoderPooling, ropeBase: Float = 10_000) {
        self.architecture = architecture
        self.numLayers = numLayers
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numHeads = numHeads
        self.headDim = headDim
        self.layerNormEps = layerNormEps
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.tokenTypeCount = tokenTypeCount
        self.pooling = pooling
        self.ropeBase = ropeBase
    }

    /// Reads GGUF's keys as llama.cpp does (`llama-model.cpp`, `models/bert.cpp`): `pooling_type` 1 mean,
    /// 2 CLS, 3 last (absent: mean, sentence-transformers' default); an encoder that declares
    /// `attention.causal = true` is refused, since every token here sees the whole input.
    public init(_ keys: GGUFHyperparameters) throws(ModelError) {
        let file = keys.file
        guard let embedding = file.tensor(named: "token_embd.weight"), embedding.dimensions.count == 2 else {
            throw .missingTensor(name: "token_embd.weight")
        }
        let hidden = try keys.required("embedding_length")
        let heads = try keys.required("attention.head_count")
        let pooling: EncoderPooling
        switch keys.int("pooling_type") ?? 1 {
        case 1: pooling = .mean
        case 2: pooling = .cls
        case 3: pooling = .last
        case let other:
            throw .unsupportedShape("pooling type \(other) is not supported (1 mean, 2 CLS, 3 last)")
        }
        if file.bool("\(keys.architecture).attention.causal") == true {
            throw .unsupportedShape("a causal encoder is not supported (attention.causal is true)")
        }
        let types = file.tensor(named: "token_types.weight").map { $0.dimensions.count == 2 ? $0.dimensions[1] : 0 } ?? 0
        self.init(architecture: keys.architecture, numLayers: try keys.required("block_count"), hiddenSize: hidden,
                  intermediateSize: try keys.required("feed_forward_length"), numHeads: heads,
                  headDim: heads > 0 ? hidden / heads : 0,
                  layerNormEps: keys.float("attention.layer_norm_epsilon") ?? 1e-12,
                  contextLength: keys.int("context_length") ?? 512, vocabularySize: embedding.dimensions[1],
                  tokenTypeCount: types, pooling: pooling, ropeBase: keys.float("rope.freq_base") ?? 10_000)
        try validate()
    }

    /// Refuses shapes the kernels cannot run.
    public func validate() throws(ModelError) {
        let positive = [numLayers, hiddenSize, intermediateSize, numHeads, headDim, vocabularySize, contextLength]
        guard positive.allSatisfy({ $0 > 0 }) else {
            throw .unsupportedShape("every layer count and size must be positive")
        }
        guard numHeads * headDim == hiddenSize else {
            throw .unsupportedShape("\(numHeads) heads of \(headDim) do not make the hidden size \(hiddenSize)")
        }
        // The attention kernel's per-task stack buffers (CKernels/attention.c).
        guard headDim <= 256 else { throw .unsupportedShape("head dim \(headDim) (max 256)") }
    }
}
