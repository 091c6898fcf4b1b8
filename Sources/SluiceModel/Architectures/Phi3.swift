/// Phi-3 (and Phi-3.5, Phi-4-mini): Llama's pre-norm layers with Q, K and V fused into one tensor
/// (`attn_qkv`) and gate and up into another (`ffn_up`, gate rows first), RoPE on NeoX pairs over
/// `rope.dimension_count` dims (a partial rotary factor where it is below the head dim), and the
/// long-context models' per-pair factors (`rope_factors_short` within the original context). As
/// llama.cpp's `phi3` model, the declared sliding window is not applied (llama.cpp disables it).
public final class Phi3Architecture: DecoderModel {
    public static let architectures = ["phi3"]

    public struct Layer: Sendable {
        public let attentionNorm: RMSNorm
        public let qkv: Linear
        public let attentionOutput: Linear
        public let feedForwardNorm: RMSNorm
        public let gateUp: Linear
        public let down: Linear
    }

    public let configuration: ModelConfiguration
    public let file: GGUFFile
    public let embedding: Embedding
    public let linears: [Linear]
    public let outputNorm: RMSNorm
    public let output: Linear
    public let attentionSpecs: [AttentionSpec]
    public let layers: [Layer]

    public init(file: GGUFFile) throws(ModelError) {
        let keys = try GGUFHyperparameters(file)
        var c = try ModelConfiguration(keys)
        var loader = WeightLoader(file: file, configuration: c)
        let ends = try DecoderEnds(&loader)
        var layers: [Layer] = []
        for index in 0..<c.numLayers {
            let p = "blk.\(index)."
            let qkv = loader.hasTensor(p + "attn_qkv.weight")
                ? try loader.fusedLinear(p + "attn_qkv.weight", splits: [(p + "attn_q", c.queryDim), (p + "attn_k", c.kvDim),
                                                                        (p + "attn_v", c.kvDim)], cols: c.hiddenSize)
                : try loader.linear([(p + "attn_q.weight", c.queryDim), (p + "attn_k.weight", c.kvDim),
                                     (p + "attn_v.weight", c.kvDim)], cols: c.hiddenSize)
            layers.append(Layer(
                attentionNorm: try loader.norm(p + "attn_norm.weight"),
                qkv: qkv,
                attentionOutput: try loader.linear(p + "attn_output.weight", rows: c.hiddenSize, cols: c.queryDim),
                feedForwardNorm: try loader.norm(p + "ffn_norm.weight"),
                gateUp: try loader.fusedLinear(p + "ffn_up.weight", splits: [(p + "ffn_gate", c.intermediateSize),
                                                                             (p + "ffn_up", c.intermediateSize)],
                                               cols: c.hiddenSize),
                down: try loader.linear(p + "ffn_down.weight", rows: c.hiddenSize, cols: c.intermediateSize)))
        }
        var rope = try RoPE.read(keys, c, style: .neox)
        if loader.hasTensor("rope_factors_short.weight") {
            // The long-context variants: the short factors hold within the original context, which then
            // bounds the sequence (the long factors, past it, are not implemented).
            rope.frequencyFactors = try loadVector(file, "rope_factors_short.weight", count: rope.dimensions / 2)
            if let original = keys.int("rope.scaling.original_context_length") {
                c.contextLength = min(c.contextLength, original)
            }
        }
        attentionSpecs = Array(repeating: AttentionSpec(rope: rope, scale: 1 / Float(c.headDim).squareRoot(),
                                                        window: nil, softcap: nil), count: c.numLayers)
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
        ops.attention(layer: index, attentionSpecs[index])
        ops.project(.attention, layer.attentionOutput, into: .adding(into: .residual))
        ops.normProject(.residual, layer.feedForwardNorm, layer.gateUp, into: ProjectionTargets(.gate, .up))
        ops.gatedProject(.silu, layer.down, into: .adding(into: .residual))
    }
}
