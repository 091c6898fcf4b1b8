/// The weights of a pre-norm decoder layer as Llama has it: RMSNorm, attention, RMSNorm, gated MLP, each
/// added to the residual stream. Qwen2, Qwen3 (with QK-norm), Mistral and Phi-3 share it.
public struct PreNormLayer: Sendable {
    public let attentionNorm: RMSNorm
    public let qkv: Linear              // [queryDim + 2 kvDim, hidden], Q/K/V biases where present
    /// Per-head norms of Q and K before RoPE (Qwen3); nil elsewhere.
    public let queryNorm: RMSNorm?
    public let keyNorm: RMSNorm?
    public let attentionOutput: Linear  // [hidden, queryDim]
    public let feedForwardNorm: RMSNorm
    public let gateUp: Linear           // [2 intermediate, hidden]
    public let down: Linear             // [hidden, intermediate]

    /// Layer `index` under its GGUF names; `qkv` and `gateUp` may come from fused tensors (Phi-3).
    init(_ index: Int, _ loader: inout WeightLoader, qkNorm: Bool = false, qkv: Linear? = nil,
         gateUp: Linear? = nil) throws(ModelError) {
        let c = loader.configuration
        let prefix = "blk.\(index)."
        attentionNorm = try loader.norm(prefix + "attn_norm.weight")
        if let qkv {
            self.qkv = qkv
        } else {
            self.qkv = try loader.linear([(prefix + "attn_q.weight", c.queryDim), (prefix + "attn_k.weight", c.kvDim),
                                          (prefix + "attn_v.weight", c.kvDim)], cols: c.hiddenSize)
        }
        queryNorm = qkNorm ? try loader.norm(prefix + "attn_q_norm.weight", count: c.headDim) : nil
        keyNorm = qkNorm ? try loader.norm(prefix + "attn_k_norm.weight", count: c.headDim) : nil
        attentionOutput = try loader.linear(prefix + "attn_output.weight", rows: c.hiddenSize, cols: c.queryDim)
        feedForwardNorm = try loader.norm(prefix + "ffn_norm.weight")
        if let gateUp {
            self.gateUp = gateUp
        } else {
            self.gateUp = try loader.linear([(prefix + "ffn_gate.weight", c.intermediateSize),
                                             (prefix + "ffn_up.weight", c.intermediateSize)], cols: c.hiddenSize)
        }
        down = try loader.linear(prefix + "ffn_down.weight", rows: c.hiddenSize, cols: c.intermediateSize)
    }

    /// x += attention(norm(x)); x += down(silu(gate(norm(x))) × up(norm(x))).
    public func run<Ops: LayerOps>(_ index: Int, _ spec: AttentionSpec, _ ops: Ops) {
        ops.normProject(.residual, attentionNorm, qkv, into: ProjectionTargets(.query, .key, .value))
        if let queryNorm, let keyNorm {
            ops.normalize(.query, queryNorm)
            ops.normalize(.key, keyNorm)
        }
        ops.attention(layer: index, spec)
        ops.project(.attention, attentionOutput, into: .adding(into: .residual))
        ops.normProject(.residual, feedForwardNorm, gateUp, into: ProjectionTargets(.gate, .up))
        ops.gatedProject(.silu, down, into: .adding(into: .residual))
    }
}

/// The ends of a decoder: embedding, final norm, LM head (tied to the embedding when the file has no
/// `output.weight`).
struct DecoderEnds {
    let embedding: Embedding
    let outputNorm: RMSNorm
    let output: Linear

    init(_ loader: inout WeightLoader, embeddingScale: Float? = nil) throws(ModelError) {
        let c = loader.configuration
        let table = try loader.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.hiddenSize)
        embedding = Embedding(table: table, scale: embeddingScale)
        outputNorm = try loader.norm("output_norm.weight")
        output = loader.hasTensor("output.weight")
            ? try loader.linear("output.weight", rows: c.vocabularySize, cols: c.hiddenSize)
            : loader.linear(reusing: table)
    }
}

/// Llama 2/3, SmolLM2 and Mistral: pre-norm layers, SiLU-gated MLP, RoPE on adjacent pairs (the GGUF
/// converter permutes Q/K for it), a sliding window where the file declares one (Mistral v0.1).
public final class LlamaArchitecture: DecoderModel {
    public static let architectures = ["llama", "mistral"]

    public let common: DecoderCommon
    public let attentionSpecs: [AttentionSpec]
    public let layers: [PreNormLayer]

    public convenience init(file: GGUFFile) throws(ModelError) {
        try self.init(file: file, ropeStyle: .normal)
    }

    /// Shared with the architectures that differ from Llama only in RoPE pairing and QK-norm (Qwen2, Qwen3).
    init(file: GGUFFile, ropeStyle: RopeStyle, qkNorm: Bool = false, defaultRMSNormEps: Float = 1e-5) throws(ModelError) {
        let keys = try GGUFHyperparameters(file)
        let config = try ModelConfiguration(keys, defaultRMSNormEps: defaultRMSNormEps)
        var loader = WeightLoader(file: file, configuration: config)
        let ends = try DecoderEnds(&loader)
        var layers: [PreNormLayer] = []
        for index in 0..<config.numLayers { layers.append(try PreNormLayer(index, &loader, qkNorm: qkNorm)) }
        var rope = try RoPE.read(keys, config, style: ropeStyle)
        try rope.readFrequencyFactors(loader)
        let window = keys.int("attention.sliding_window").flatMap { $0 > 0 ? $0 : nil }
        common = DecoderCommon(loader, ends)
        self.layers = layers
        attentionSpecs = Array(repeating: AttentionSpec(rope: rope, scale: 1 / Float(config.headDim).squareRoot(),
                                                        window: window, softcap: nil),
                               count: config.numLayers)
    }

    public func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) {
        layers[index].run(index, attentionSpecs[index], ops)
    }
}
