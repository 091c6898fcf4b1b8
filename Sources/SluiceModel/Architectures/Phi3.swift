/// Phi-3 (and Phi-3.5, Phi-4-mini): Llama's pre-norm layers with Q, K and V fused into one tensor
/// (`attn_qkv`) and gate and up into another (`ffn_up`, gate rows first), RoPE on NeoX pairs over
/// `rope.dimension_count` dims (a partial rotary factor where it is below the head dim), and the
/// long-context models' per-pair factors (`rope_factors_short` within the original context,
/// `rope_factors_long` when the served context passes it, as llama.cpp chooses them). As
/// llama.cpp's `phi3` model, the declared sliding window is not applied (llama.cpp disables it).
public final class Phi3Architecture: DecoderModel {
    public static let architectures = ["phi3"]

    public let common: DecoderCommon
    public let attentionSpecs: [AttentionSpec]
    public let layers: [PreNormLayer]

    public init(file: GGUFFile) throws(ModelError) {
        let keys = try GGUFHyperparameters(file)
        var c = try ModelConfiguration(keys)
        var loader = WeightLoader(file: file, configuration: c)
        let ends = try DecoderEnds(&loader)
        var layers: [PreNormLayer] = []
        for index in 0..<c.numLayers {
            let p = "blk.\(index)."
            let qkv = loader.hasTensor(p + "attn_qkv.weight")
                ? try loader.fusedLinear(p + "attn_qkv.weight", splits: [(p + "attn_q", c.queryDim), (p + "attn_k", c.kvDim),
                                                                        (p + "attn_v", c.kvDim)], cols: c.hiddenSize)
                : try loader.linear([(p + "attn_q.weight", c.queryDim), (p + "attn_k.weight", c.kvDim),
                                     (p + "attn_v.weight", c.kvDim)], cols: c.hiddenSize)
            let gateUp = try loader.fusedLinear(p + "ffn_up.weight", splits: [(p + "ffn_gate", c.intermediateSize),
                                                                              (p + "ffn_up", c.intermediateSize)],
                                                cols: c.hiddenSize)
            layers.append(try PreNormLayer(index, &loader, qkv: qkv, gateUp: gateUp))
        }
        var rope = try RoPE.read(keys, c, style: .neox)
        if loader.hasTensor("rope_factors_short.weight") {
            // LongRoPE: the short factors within the original context, the long ones when the served
            // context passes it (the backend chooses from its maximum model length).
            rope.frequencyFactors = try loadVector(file, "rope_factors_short.weight", count: rope.dimensions / 2)
            if loader.hasTensor("rope_factors_long.weight") {
                let long = try loadVector(file, "rope_factors_long.weight", count: rope.dimensions / 2)
                rope.longContextFactors = LongContextFactors(
                    factors: long, originalContext: keys.int("rope.scaling.original_context_length") ?? c.contextLength)
            } else if let original = keys.int("rope.scaling.original_context_length") {
                // Short factors alone hold only within the original context, which then bounds sequences.
                c.contextLength = min(c.contextLength, original)
            }
        }
        attentionSpecs = Array(repeating: AttentionSpec(rope: rope, scale: 1 / Float(c.headDim).squareRoot(),
                                                        window: nil, softcap: nil), count: c.numLayers)
        common = DecoderCommon(loader, ends, configuration: c)
        self.layers = layers
    }

    public func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) {
        layers[index].run(index, attentionSpecs[index], ops)
    }
}
