/// Gemma 3 (text): QK-norm, norms after attention and after the MLP as well as before, a GELU-gated MLP,
/// embeddings scaled by √hidden, and sliding-window layers (window `attention.sliding_window`, RoPE base
/// 10,000) with every sixth layer global (RoPE base `rope.freq_base`), as llama.cpp's `gemma3` model and
/// mlx-swift-lm's `Gemma3Text`. The GGUF converter stores the norm weights with Gemma's `1 +` folded in.
public final class Gemma3Architecture: DecoderModel {
    public static let architectures = ["gemma3"]

    public struct Layer: Sendable {
        public let attentionNorm: RMSNorm
        public let qkv: Linear
        public let queryNorm: RMSNorm    // per head
        public let keyNorm: RMSNorm      // per head
        public let attentionOutput: Linear
        public let postAttentionNorm: RMSNorm
        public let feedForwardNorm: RMSNorm
        public let gateUp: Linear
        public let down: Linear
        public let postFeedForwardNorm: RMSNorm
    }

    public let configuration: ModelConfiguration
    public let file: GGUFFile
    public let embedding: Embedding
    public let linears: [Linear]
    public let outputNorm: RMSNorm
    public let output: Linear
    public let attentionSpecs: [AttentionSpec]
    public let layers: [Layer]

    /// One layer in `slidingWindowPattern` is global: the last of each run (llama.cpp's default of 6).
    static let slidingWindowPattern = 6

    public init(file: GGUFFile) throws(ModelError) {
        let keys = try GGUFHyperparameters(file)
        let c = try ModelConfiguration(keys, defaultRMSNormEps: 1e-6)
        var loader = WeightLoader(file: file, configuration: c)
        let ends = try DecoderEnds(&loader, embeddingScale: Float(c.hiddenSize).squareRoot())
        var layers: [Layer] = []
        for index in 0..<c.numLayers {
            let p = "blk.\(index)."
            layers.append(Layer(
                attentionNorm: try loader.norm(p + "attn_norm.weight"),
                qkv: try loader.linear([(p + "attn_q.weight", c.queryDim), (p + "attn_k.weight", c.kvDim),
                                        (p + "attn_v.weight", c.kvDim)], cols: c.hiddenSize),
                queryNorm: try loader.norm(p + "attn_q_norm.weight", count: c.headDim),
                keyNorm: try loader.norm(p + "attn_k_norm.weight", count: c.headDim),
                attentionOutput: try loader.linear(p + "attn_output.weight", rows: c.hiddenSize, cols: c.queryDim),
                postAttentionNorm: try loader.norm(p + "post_attention_norm.weight"),
                feedForwardNorm: try loader.norm(p + "ffn_norm.weight"),
                gateUp: try loader.linear([(p + "ffn_gate.weight", c.intermediateSize),
                                           (p + "ffn_up.weight", c.intermediateSize)], cols: c.hiddenSize),
                down: try loader.linear(p + "ffn_down.weight", rows: c.hiddenSize, cols: c.intermediateSize),
                postFeedForwardNorm: try loader.norm(p + "post_ffw_norm.weight")))
        }
        let global = try RoPE.read(keys, c, style: .neox)
        let window = keys.int("attention.sliding_window").flatMap { $0 > 0 ? $0 : nil }
        var local = global
        local.base = keys.float("rope.freq_base_swa") ?? 10_000
        // Gemma 3 scales queries by query_pre_attn_scalar^-1/2, which llama.cpp takes as 1/√head_dim
        // (except the 27B, whose GGUF we do not run).
        let scale = 1 / Float(c.headDim).squareRoot()
        attentionSpecs = (0..<c.numLayers).map { index in
            let sliding = window != nil && index % Self.slidingWindowPattern < Self.slidingWindowPattern - 1
            return AttentionSpec(rope: sliding ? local : global, scale: scale, window: sliding ? window : nil, softcap: nil)
        }
        configuration = c
        self.file = file
        embedding = ends.embedding
        outputNorm = ends.outputNorm
        output = ends.output
        self.layers = layers
        linears = loader.linears
    }

    public func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) {
        let layer = layers[index]
        ops.normProject(.residual, layer.attentionNorm, layer.qkv, into: ProjectionTargets(.query, .key, .value))
        ops.normalize(.query, layer.queryNorm)
        ops.normalize(.key, layer.keyNorm)
        ops.attention(layer: index, attentionSpecs[index])
        ops.project(.attention, layer.attentionOutput, into: ProjectionTargets(.projected))
        ops.normalize(.projected, layer.postAttentionNorm)
        ops.add(.projected, into: .residual)
        ops.normProject(.residual, layer.feedForwardNorm, layer.gateUp, into: ProjectionTargets(.gate, .up))
        ops.gatedProject(.geluTanh, layer.down, into: ProjectionTargets(.projected))
        ops.normalize(.projected, layer.postFeedForwardNorm)
        ops.add(.projected, into: .residual)
    }
}
