/// Qwen2 and Qwen2.5: Llama's layers with Q/K/V biases (loaded wherever the file has them) and RoPE on
/// GPT-NeoX pairs (x[i], x[i + d/2]).
public final class Qwen2Architecture: DecoderModel {
    public static let architectures = ["qwen2"]

    private let base: LlamaArchitecture

    public init(file: GGUFFile) throws(ModelError) {
        base = try LlamaArchitecture(file: file, ropeStyle: .neox)
    }

    public var common: DecoderCommon { base.common }
    public var attentionSpecs: [AttentionSpec] { base.attentionSpecs }
    public var layers: [PreNormLayer] { base.layers }

    public func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops) { base.runLayer(index, ops) }
}
