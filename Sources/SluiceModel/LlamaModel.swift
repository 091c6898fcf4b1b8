import CKernels

/// The weights of one decoder layer of a Llama-family model.
public struct LlamaLayer: Sendable {
    public let attentionNorm: [Float]   // [hidden]
    public let query: WeightMatrix      // [queryDim, hidden]
    public let key: WeightMatrix        // [kvDim, hidden]
    public let value: WeightMatrix      // [kvDim, hidden]
    /// Q/K/V biases, present in Qwen2.
    public let queryBias: [Float]?
    public let keyBias: [Float]?
    public let valueBias: [Float]?
    public let attentionOutput: WeightMatrix // [hidden, queryDim]
    public let feedForwardNorm: [Float] // [hidden]
    public let gate: WeightMatrix       // [intermediate, hidden]
    public let up: WeightMatrix         // [intermediate, hidden]
    public let down: WeightMatrix       // [hidden, intermediate]
    /// The same weights repacked for the batched GEMM, where the CPU has it (nil parts run on vec_dot).
    public let packed: PackedLayer?
}

/// A layer's matrices in the packed GEMM layout, Q/K/V and gate/up each stacked into one.
public struct PackedLayer: Sendable {
    public let qkv: PackedLinear?
    public let attentionOutput: PackedLinear?
    public let gateUp: PackedLinear?
    public let down: PackedLinear?

    init?(query: WeightMatrix, key: WeightMatrix, value: WeightMatrix, attentionOutput: WeightMatrix,
          gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix) {
        qkv = PackedLinear([query, key, value])
        self.attentionOutput = PackedLinear([attentionOutput])
        gateUp = PackedLinear([gate, up])
        self.down = PackedLinear([down])
        if qkv == nil && self.attentionOutput == nil && gateUp == nil && self.down == nil { return nil }
    }
}

/// A Llama-family model (Llama 2/3, SmolLM2, Mistral, Qwen2): configuration plus weights,
/// which point into the GGUF file's read-only mapping.
public final class LlamaModel: Sendable {
    public let configuration: LlamaConfiguration
    public let tokenEmbedding: WeightMatrix // [vocab, hidden]
    public let layers: [LlamaLayer]
    public let outputNorm: [Float]          // [hidden]
    /// The LM head; the token embedding itself when the model ties them.
    public let output: WeightMatrix         // [vocab, hidden]
    /// The LM head repacked for the batched GEMM, where the CPU has it.
    public let packedOutput: PackedLinear?
    /// Keeps the mapping that every WeightMatrix points into alive.
    public let file: GGUFFile

    /// Whether weights get repacked for the batched GEMM: only where its fast kernels run.
    public static var packsWeights: Bool { sl_packed_best_level() != SL_LEVEL_SCALAR }

    /// Loads the model; with `packWeights` (the default where the CPU has the packed GEMM's
    /// kernels) the matrices are also repacked once for it (sl_gemm.h).
    public init(file: GGUFFile, packWeights: Bool = LlamaModel.packsWeights) throws(ModelError) {
        let config = try LlamaConfiguration(gguf: file)
        let hidden = config.hiddenSize
        self.configuration = config
        self.file = file
        tokenEmbedding = try WeightMatrix(file, "token_embd.weight", rows: config.vocabularySize, cols: hidden)
        outputNorm = try loadVector(file, "output_norm.weight", count: hidden)
        if file.tensor(named: "output.weight") != nil {
            output = try WeightMatrix(file, "output.weight", rows: config.vocabularySize, cols: hidden)
        } else {
            output = tokenEmbedding
        }
        var layers: [LlamaLayer] = []
        for index in 0..<config.numLayers {
            let prefix = "blk.\(index)."
            func optionalBias(_ name: String, _ count: Int) throws(ModelError) -> [Float]? {
                file.tensor(named: prefix + name) == nil ? nil : try loadVector(file, prefix + name, count: count)
            }
            let query = try WeightMatrix(file, prefix + "attn_q.weight", rows: config.queryDim, cols: hidden)
            let key = try WeightMatrix(file, prefix + "attn_k.weight", rows: config.kvDim, cols: hidden)
            let value = try WeightMatrix(file, prefix + "attn_v.weight", rows: config.kvDim, cols: hidden)
            let attentionOutput = try WeightMatrix(file, prefix + "attn_output.weight", rows: hidden, cols: config.queryDim)
            let gate = try WeightMatrix(file, prefix + "ffn_gate.weight", rows: config.intermediateSize, cols: hidden)
            let up = try WeightMatrix(file, prefix + "ffn_up.weight", rows: config.intermediateSize, cols: hidden)
            let down = try WeightMatrix(file, prefix + "ffn_down.weight", rows: hidden, cols: config.intermediateSize)
            layers.append(LlamaLayer(
                attentionNorm: try loadVector(file, prefix + "attn_norm.weight", count: hidden),
                query: query, key: key, value: value,
                queryBias: try optionalBias("attn_q.bias", config.queryDim),
                keyBias: try optionalBias("attn_k.bias", config.kvDim),
                valueBias: try optionalBias("attn_v.bias", config.kvDim),
                attentionOutput: attentionOutput,
                feedForwardNorm: try loadVector(file, prefix + "ffn_norm.weight", count: hidden),
                gate: gate, up: up, down: down,
                packed: packWeights ? PackedLayer(query: query, key: key, value: value, attentionOutput: attentionOutput,
                                                  gate: gate, up: up, down: down) : nil
            ))
        }
        self.layers = layers
        packedOutput = packWeights ? PackedLinear([output]) : nil
    }
}
