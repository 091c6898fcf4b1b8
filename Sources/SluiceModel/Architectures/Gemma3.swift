/// Gemma 3 (text): Gemma layers with QK-norm (norms before and after attention and the GELU-gated MLP),
/// embeddings scaled by √hidden, and sliding-window layers (window `attention.sliding_window`, RoPE base
/// 10,000) with every sixth layer global (RoPE base `rope.freq_base`), as llama.cpp's `gemma3` model and
/// mlx-swift-lm's `Gemma3Text`. The GGUF converter stores the norm weights with Gemma's `1 +` folded in.
public final class Gemma3Architecture: DecoderModel {
    public static let architectures = ["gemma3"]

    public let common: DecoderCommon
    public let attentionSpecs: [AttentionSpec]
    public let layers: [GemmaLayer]

    /// One layer in `slidingWindowPattern` is global: the last of each run (llama.cpp's default of 6).
    static let slidingWindowPattern = 6

    public init(file: GGUFFile) throws(ModelError) {
        let keys = try GGUFHyperparameters(file)
        let c = try ModelConfiguration(keys, defaultRMSNormEps: 1e-6)
        var loader = WeightLoader(file: file, configuration: c)
        let ends = try DecoderEnds(&loader, embeddingScale: Float(c.hiddenSize).squareRoot())
        var layers: [GemmaLayer] = []
        for index in 0..<c.numLayers { layers.append(try GemmaLayer(index, &loader, qkNorm: true)) }
        let global = try RoPE.read(keys, c, style: .neox)
        let window = keys.int("attention.sliding_window").flatMap { $0 > 0 ? $0 : nil }
        var local = global
        local.base = keys.float("rope.freq_base_swa") ?? 10_000
        local.scaling = .none  // the sliding layers' RoPE is never scaled (llama.cpp's rope_freq_scale_train_swa)
        // Gemma 3 scales queries by query_pre_attn_scalar^-1/2, which llama.cpp takes as 1/√head_dim
        // (except the 27B, whose GGUF we do not run).
        let scale = 1 / Float(c.headDim).squareRoot()
        attentionSpecs = (0..<c.numLayers).map { index in
            let sliding = window != nil && index % Self.slidingWindowPattern < Self.slidingWindowPattern - 1
            return AttentionSpec(rope: sliding ? local : global, scale: scale, window: sliding ? window : nil, softcap: nil)
        }
        common = DecoderCommon(loader, ends)
        self.layers = layers
    }

    public func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) {
        layers[index].run(index, attentionSpecs[index], ops)
    }
}
