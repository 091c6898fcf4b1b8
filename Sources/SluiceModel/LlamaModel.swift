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

/// A layer's matrices in the packed GEMM layout, Q/K/V and gate/up each stacked where their types agree.
public struct PackedLayer: Sendable {
    public let qkv: PackedProjection?
    public let attentionOutput: PackedProjection?
    public let gateUp: PackedProjection?
    public let down: PackedProjection?

    init?(query: WeightMatrix, key: WeightMatrix, value: WeightMatrix, attentionOutput: WeightMatrix,
          gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix, arena: PackedArena) {
        qkv = PackedProjection(Self.qkvParts(query, key, value), arena: arena)
        self.attentionOutput = PackedProjection([attentionOutput], arena: arena)
        gateUp = PackedProjection([gate, up], arena: arena)
        self.down = PackedProjection([down], arena: arena)
        if qkv == nil && self.attentionOutput == nil && gateUp == nil && self.down == nil { return nil }
    }

    static func qkvParts(_ query: WeightMatrix, _ key: WeightMatrix, _ value: WeightMatrix) -> [WeightMatrix] {
        [query, key, value]
    }

    /// Bytes the packed copies of a layer's matrices take, as `init` will stack them.
    static func byteCount(attentionOutput: WeightMatrix, query: WeightMatrix, key: WeightMatrix, value: WeightMatrix,
                          gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix) -> Int {
        [qkvParts(query, key, value), [attentionOutput], [gate, up], [down]].reduce(0) {
            $0 + (PackedProjection.byteCount($1) ?? 0)
        }
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
    public let packedOutput: PackedProjection?
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
        struct Matrices { let query, key, value, attentionOutput, gate, up, down: WeightMatrix }
        var matrices: [Matrices] = []
        for index in 0..<config.numLayers {
            let prefix = "blk.\(index)."
            matrices.append(Matrices(
                query: try WeightMatrix(file, prefix + "attn_q.weight", rows: config.queryDim, cols: hidden),
                key: try WeightMatrix(file, prefix + "attn_k.weight", rows: config.kvDim, cols: hidden),
                value: try WeightMatrix(file, prefix + "attn_v.weight", rows: config.kvDim, cols: hidden),
                attentionOutput: try WeightMatrix(file, prefix + "attn_output.weight", rows: hidden, cols: config.queryDim),
                gate: try WeightMatrix(file, prefix + "ffn_gate.weight", rows: config.intermediateSize, cols: hidden),
                up: try WeightMatrix(file, prefix + "ffn_up.weight", rows: config.intermediateSize, cols: hidden),
                down: try WeightMatrix(file, prefix + "ffn_down.weight", rows: hidden, cols: config.intermediateSize)))
        }
        // Every packed matrix lives in one arena, so it can sit on huge pages without rounding each one up.
        var arena: PackedArena?
        if packWeights {
            let head = output
            let bytes = matrices.reduce(PackedProjection.byteCount([head]) ?? 0) {
                $0 + PackedLayer.byteCount(attentionOutput: $1.attentionOutput, query: $1.query, key: $1.key,
                                           value: $1.value, gate: $1.gate, up: $1.up, down: $1.down)
            }
            arena = bytes > 0 ? PackedArena(byteCount: bytes) : nil
        }
        var layers: [LlamaLayer] = []
        for (index, m) in matrices.enumerated() {
            let prefix = "blk.\(index)."
            func optionalBias(_ name: String, _ count: Int) throws(ModelError) -> [Float]? {
                file.tensor(named: prefix + name) == nil ? nil : try loadVector(file, prefix + name, count: count)
            }
            layers.append(LlamaLayer(
                attentionNorm: try loadVector(file, prefix + "attn_norm.weight", count: hidden),
                query: m.query, key: m.key, value: m.value,
                queryBias: try optionalBias("attn_q.bias", config.queryDim),
                keyBias: try optionalBias("attn_k.bias", config.kvDim),
                valueBias: try optionalBias("attn_v.bias", config.kvDim),
                attentionOutput: m.attentionOutput,
                feedForwardNorm: try loadVector(file, prefix + "ffn_norm.weight", count: hidden),
                gate: m.gate, up: m.up, down: m.down,
                packed: arena.flatMap {
                    PackedLayer(query: m.query, key: m.key, value: m.value, attentionOutput: m.attentionOutput,
                                gate: m.gate, up: m.up, down: m.down, arena: $0)
                }
            ))
        }
        self.layers = layers
        let head = output
        packedOutput = arena.flatMap { PackedProjection([head], arena: $0) }
    }
}
