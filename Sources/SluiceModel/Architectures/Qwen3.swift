/// Qwen3 (dense): Qwen2's layout without Q/K/V biases, with QK-norm (an RMSNorm over each head of Q and
/// of K before RoPE) and a head dim set by `attention.key_length`, as llama.cpp's `qwen3` model and
/// nano-vllm's `models/qwen3.py`.
public final class Qwen3Architecture: DecoderModel {
    public static let architectures = ["qwen3"]

    private let base: LlamaArchitecture

    public init(file: GGUFFile) throws(ModelError) {
        base = try LlamaArchitecture(file: file, ropeStyle: .neox, qkNorm: true, defaultRMSNormEps: 1e-6)
    }

    public var common: DecoderCommon { base.common }
    public var attentionSpecs: [AttentionSpec] { base.attentionSpecs }
    public var layers: [PreNormLayer] { base.layers }

    public func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) { base.runLayer(index, ops) }
}
