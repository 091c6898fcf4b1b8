/// A Gemma decoder layer: RMSNorm before and after both attention and the GELU-gated MLP (the "sandwich"),
/// with QK-norm in Gemma 3. Shared by `Gemma2Architecture` and `Gemma3Architecture`.
public struct GemmaLayer: Sendable {
    public let attentionNorm: RMSNorm
    public let qkv: Linear
    /// Per-head norms of Q and K before RoPE (Gemma 3); nil in Gemma 2.
    public let queryNorm: RMSNorm?
    public let keyNorm: RMSNorm?
    public let attentionOutput: Linear
    public let postAttentionNorm: RMSNorm
    public let feedForwardNorm: RMSNorm
    public let gateUp: Linear
    public let down: Linear
    public let postFeedForwardNorm: RMSNorm

    init(_ index: Int, _ loader: inout WeightLoader, qkNorm: Bool) throws(ModelError) {
        let c = loader.configuration
        let p = "blk.\(index)."
        attentionNorm = try loader.norm(p + "attn_norm.weight")
        qkv = try loader.linear([(p + "attn_q.weight", c.queryDim), (p + "attn_k.weight", c.kvDim),
                                 (p + "attn_v.weight", c.kvDim)], cols: c.hiddenSize)
        queryNorm = qkNorm ? try loader.norm(p + "attn_q_norm.weight", count: c.headDim) : nil
        keyNorm = qkNorm ? try loader.norm(p + "attn_k_norm.weight", count: c.headDim) : nil
        attentionOutput = try loader.linear(p + "attn_output.weight", rows: c.hiddenSize, cols: c.queryDim)
        postAttentionNorm = try loader.norm(p + "post_attention_norm.weight")
        feedForwardNorm = try loader.norm(p + "ffn_norm.weight")
        gateUp = try loader.linear([(p + "ffn_gate.weight", c.intermediateSize),
                                    (p + "ffn_up.weight", c.intermediateSize)], cols: c.hiddenSize)
        down = try loader.linear(p + "ffn_down.weight", rows: c.hiddenSize, cols: c.intermediateSize)
        postFeedForwardNorm = try loader.norm(p + "post_ffw_norm.weight")
    }

    /// x += postNorm(attention(norm(x))); x += postNorm(down(gelu(gate(norm(x))) × up(norm(x)))).
    func run<Ops: LayerOps>(_ index: Int, _ spec: AttentionSpec, _ ops: Ops) {
        ops.normProject(.residual, attentionNorm, qkv, into: ProjectionTargets(.query, .key, .value))
        if let queryNorm, let keyNorm {
            ops.normalize(.query, queryNorm)
            ops.normalize(.key, keyNorm)
        }
        ops.attention(layer: index, spec)
        ops.project(.attention, attentionOutput, into: ProjectionTargets(.projected))
        ops.normalize(.projected, postAttentionNorm)
        ops.add(.projected, into: .residual)
        ops.normProject(.residual, feedForwardNorm, gateUp, into: ProjectionTargets(.gate, .up))
        ops.gatedProject(.geluTanh, down, into: ProjectionTargets(.projected))
        ops.normalize(.projected, postFeedForwardNorm)
        ops.add(.projected, into: .residual)
    }
}

/// Gemma 2: Gemma layers without QK-norm, attention scores soft-capped (`attn_logit_softcapping`) and the
/// final logits too (`final_logit_softcapping`), a sliding window (`attention.sliding_window`, 4,096 by
/// default) on the even layers, embeddings scaled by √hidden and tied to the LM head, as llama.cpp's
/// `gemma2` model.
public final class Gemma2Architecture: DecoderModel {
    public static let architectures = ["gemma2"]

    public let common: DecoderCommon
    public let attentionSpecs: [AttentionSpec]
    public let finalSoftcap: Float?
    public let layers: [GemmaLayer]

    public init(file: GGUFFile) throws(ModelError) {
        let keys = try GGUFHyperparameters(file)
        let c = try ModelConfiguration(keys, defaultRMSNormEps: 1e-6)
        var loader = WeightLoader(file: file, configuration: c)
        let ends = try DecoderEnds(&loader, embeddingScale: Float(c.hiddenSize).squareRoot())
        var layers: [GemmaLayer] = []
        for index in 0..<c.numLayers { layers.append(try GemmaLayer(index, &loader, qkNorm: false)) }
        let rope = try RoPE.read(keys, c, style: .neox)
        let window = keys.int("attention.sliding_window") ?? 4096
        let softcap = keys.float("attn_logit_softcapping").flatMap { $0 > 0 ? $0 : nil }
        let scale = 1 / Float(c.headDim).squareRoot()
        attentionSpecs = (0..<c.numLayers).map { index in
            AttentionSpec(rope: rope, scale: scale, window: index % 2 == 0 && window > 0 ? window : nil, softcap: softcap)
        }
        finalSoftcap = keys.float("final_logit_softcapping").flatMap { $0 > 0 ? $0 : nil }
        common = DecoderCommon(loader, ends)
        self.layers = layers
    }

    public func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) {
        layers[index].run(index, attentionSpecs[index], ops)
    }
}
