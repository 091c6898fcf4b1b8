/// nomic-bert (nomic-embed-text v1 and v1.5): BERT's post-norm layers with fused QKV, RoPE on NeoX pairs
/// over the whole head (base `rope.freq_base`, 1000 for v1.5) instead of position embeddings, a SiLU-gated
/// feed-forward (`ffn_gate`, `ffn_up`), and no biases (llama.cpp's `build_bert` for `LLM_ARCH_NOMIC_BERT`).
public final class NomicBertArchitecture: EncoderModel {
    public static let architectures = ["nomic-bert"]

    public let common: EncoderCommon
    public let layers: [PostNormEncoderLayer]

    public init(source: any TensorSource, configuration c: EncoderConfiguration) throws(ModelError) {
        var loader = EncoderWeightLoader(source: source, configuration: c)
        let rope = RoPE(style: .neox, dimensions: c.headDim, base: c.ropeBase)
        var layers: [PostNormEncoderLayer] = []
        for index in 0..<c.numLayers {
            let p = "blk.\(index)."
            let qkv = try loader.attentionInput(index)
            let output = try loader.linear(p + "attn_output.weight", rows: c.hiddenSize, cols: c.hiddenSize)
            let gateUp = try loader.linear([(p + "ffn_gate.weight", c.intermediateSize), (p + "ffn_up.weight", c.intermediateSize)],
                                           cols: c.hiddenSize)
            let down = try loader.linear(p + "ffn_down.weight", rows: c.hiddenSize, cols: c.intermediateSize)
            layers.append(PostNormEncoderLayer(
                qkv: qkv, attentionOutput: output, attentionOutputNorm: try loader.layerNorm(p + "attn_output_norm"),
                feedForward: .gated(.silu, gateUp: gateUp, down: down),
                layerOutputNorm: try loader.layerNorm(p + "layer_output_norm"), rope: rope))
        }
        common = try EncoderCommon(loader, positions: false)
        self.layers = layers
    }

    public func runLayer<Ops: EncoderLayerOps>(_ index: Int, _ ops: Ops) {
        layers[index].run(scale: 1 / Float(configuration.headDim).squareRoot(), ops)
    }
}
