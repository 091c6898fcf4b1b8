/// Qwen3 (dense): Qwen2's layout without Q/K/V biases, with QK-norm (an RMSNorm over each head of Q and
/// of K before RoPE) and a head dim set by `attention.key_length`, as llama.cpp's `qwen3` model and
/// nano-vllm's `models/qwen3.py`.
public final class Qwen3Architecture: DecoderModel {
    public static let architectures = ["qwen3"]

    public struct Layer: Sendable {
        public let base: PreNormLayer
        public let queryNorm: RMSNorm
        public let keyNorm: RMSNorm
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
        let c = try ModelConfiguration(keys, defaultRMSNormEps: 1e-6)
        var loader = WeightLoader(file: file, configuration: c)
        let ends = try DecoderEnds(&loader)
        var layers: [Layer] = []
        for index in 0..<c.numLayers {
            let p = "blk.\(index)."
            layers.append(Layer(base: try PreNormLayer(index, &loader),
                                queryNorm: try loader.norm(p + "attn_q_norm.weight", count: c.headDim),
                                keyNorm: try loader.norm(p + "attn_k_norm.weight", count: c.headDim)))
        }
        let rope = try RoPE.read(keys, c, style: .neox)
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
        let layer = layers[index], base = layer.base
        ops.normProject(.residual, base.attentionNorm, base.qkv, into: ProjectionTargets(.query, .key, .value))
        ops.normalize(.query, layer.queryNorm)
        ops.normalize(.key, layer.keyNorm)
        ops.attention(layer: index, attentionSpecs[index])
        ops.project(.attention, base.attentionOutput, into: .adding(into: .residual))
        ops.normProject(.residual, base.feedForwardNorm, base.gateUp, into: ProjectionTargets(.gate, .up))
        ops.gatedProject(.silu, base.down, into: .adding(into: .residual))
    }
}
