import Foundation
import SluiceGGUF
import SluiceHuggingFace

extension SafetensorsCheckpoint: TensorSource {}

/// A BERT checkpoint in Hugging Face's layout read under GGUF's tensor names, so the `bert` architecture
/// loads it unchanged: `blk.3.attn_q.weight` is `encoder.layer.3.attention.self.query.weight` (with
/// `bert.` before it when the checkpoint was saved from a model with heads), as llama.cpp's converter
/// maps them the other way (`convert_hf_to_gguf.py`, its BERT tensor map).
final class HuggingFaceBertTensors: TensorSource {
    let checkpoint: SafetensorsCheckpoint
    private let prefix: String

    init(_ checkpoint: SafetensorsCheckpoint) {
        self.checkpoint = checkpoint
        prefix = checkpoint.tensor(named: "bert.embeddings.word_embeddings.weight") != nil ? "bert." : ""
    }

    func tensor(named name: String) -> GGUFTensorInfo? {
        Self.huggingFaceName(name).flatMap { checkpoint.tensor(named: prefix + $0) }
    }

    func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer { checkpoint.data(for: tensor) }

    /// transformers' name for GGUF's `name` (weights and biases alike), or nil when BERT has no such tensor.
    static func huggingFaceName(_ name: String) -> String? {
        let whole = [
            "token_embd.weight": "embeddings.word_embeddings.weight",
            "position_embd.weight": "embeddings.position_embeddings.weight",
            "token_types.weight": "embeddings.token_type_embeddings.weight",
            "token_embd_norm.weight": "embeddings.LayerNorm.weight",
            "token_embd_norm.bias": "embeddings.LayerNorm.bias",
        ]
        if let mapped = whole[name] { return mapped }
        let parts = name.split(separator: ".")
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), parts[3] == "weight" || parts[3] == "bias"
        else { return nil }
        let module: String
        switch parts[2] {
        case "attn_q": module = "attention.self.query"
        case "attn_k": module = "attention.self.key"
        case "attn_v": module = "attention.self.value"
        case "attn_output": module = "attention.output.dense"
        case "attn_output_norm": module = "attention.output.LayerNorm"
        case "ffn_up": module = "intermediate.dense"
        case "ffn_down": module = "output.dense"
        case "layer_output_norm": module = "output.LayerNorm"
        default: return nil
        }
        return "encoder.layer.\(layer).\(module).\(parts[3])"
    }
}

extension EncoderConfiguration {
    /// A BERT `config.json`, with the pooling sentence-transformers' files declare (mean when they are absent).
    /// What the `bert` architecture cannot run is refused by name: other position embeddings, or an activation
    /// other than GELU (exact or tanh; the kernel computes the tanh form, within the tolerance tested).
    public init(huggingFace config: HuggingFaceConfig, sentenceTransformers: SentenceTransformersConfig?) throws(ModelError) {
        guard config.modelType == "bert" else {
            throw .unsupportedArchitecture("\(config.modelType) (Hugging Face layout; only bert is supported there)")
        }
        if let positions = config.positionEmbeddingType, positions != "absolute" {
            throw .unsupportedShape("position_embedding_type \(positions) is not supported (absolute only)")
        }
        if let act = config.hiddenAct, !["gelu", "gelu_new", "gelu_pytorch_tanh"].contains(act) {
            throw .unsupportedShape("hidden_act \(act) is not supported (GELU only)")
        }
        func required(_ value: Int?, _ key: String) throws(ModelError) -> Int {
            guard let value else { throw .missingMetadata(key: "config.json: \(key)") }
            return value
        }
        let hidden = try required(config.hiddenSize, "hidden_size")
        let heads = try required(config.numAttentionHeads, "num_attention_heads")
        let pooling: EncoderPooling
        switch sentenceTransformers?.pooling ?? .mean {
        case .mean: pooling = .mean
        case .cls: pooling = .cls
        case .lastToken: pooling = .last
        }
        self.init(architecture: "bert", numLayers: try required(config.numHiddenLayers, "num_hidden_layers"),
                  hiddenSize: hidden, intermediateSize: try required(config.intermediateSize, "intermediate_size"),
                  numHeads: heads, headDim: heads > 0 ? hidden / heads : 0,
                  layerNormEps: Float(config.layerNormEps ?? 1e-12),
                  contextLength: try required(config.maxPositionEmbeddings, "max_position_embeddings"),
                  vocabularySize: try required(config.vocabSize, "vocab_size"), tokenTypeCount: config.typeVocabSize ?? 0,
                  pooling: pooling)
        try validate()
    }
}

extension ModelRegistry {
    /// Loads the encoder in a Hugging Face model folder: `config.json`, the safetensors weights (one file or
    /// shards), and sentence-transformers' pooling where the folder has it.
    public static func loadEncoder(folder: String) throws -> any EncoderModel {
        let config = try HuggingFaceConfig(path: (folder as NSString).appendingPathComponent("config.json"))
        let configuration = try EncoderConfiguration(huggingFace: config,
                                                     sentenceTransformers: try SentenceTransformersConfig(folder: folder))
        return try loadEncoder(source: HuggingFaceBertTensors(SafetensorsCheckpoint(folder: folder)), configuration: configuration)
    }
}
