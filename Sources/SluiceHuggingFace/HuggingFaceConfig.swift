import Foundation

/// The fields of a Hugging Face `config.json` that an encoder needs, under transformers' names.
///
/// Keys Sluice does not read are ignored; a key it reads with a value of the wrong type is an error
/// naming the key. Fields other architectures spell differently (GPT-2's `n_embd`) are not mapped:
/// `model_type` says which spelling to expect, and each architecture checks what it needs.
public struct HuggingFaceConfig: Sendable, Equatable, Decodable {
    /// transformers' architecture family: "bert", "nomic_bert", "llama", …
    public var modelType: String
    /// The model classes the checkpoint was saved from, e.g. ["BertModel"].
    public var architectures: [String]
    public var hiddenSize: Int?
    public var numHiddenLayers: Int?
    public var numAttentionHeads: Int?
    public var intermediateSize: Int?
    public var maxPositionEmbeddings: Int?
    public var typeVocabSize: Int?
    public var layerNormEps: Double?
    /// The activation's name in transformers' `ACT2FN`: "gelu", "gelu_new", "silu", …
    public var hiddenAct: String?
    public var vocabSize: Int?
    /// "absolute" for BERT's learned positions.
    public var positionEmbeddingType: String?
    public var padTokenID: Int?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type"
        case architectures
        case hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps"
        case hiddenAct = "hidden_act"
        case vocabSize = "vocab_size"
        case positionEmbeddingType = "position_embedding_type"
        case padTokenID = "pad_token_id"
    }

    public init(modelType: String, architectures: [String] = [], hiddenSize: Int? = nil, numHiddenLayers: Int? = nil,
                numAttentionHeads: Int? = nil, intermediateSize: Int? = nil, maxPositionEmbeddings: Int? = nil,
                typeVocabSize: Int? = nil, layerNormEps: Double? = nil, hiddenAct: String? = nil, vocabSize: Int? = nil,
                positionEmbeddingType: String? = nil, padTokenID: Int? = nil) {
        self.modelType = modelType
        self.architectures = architectures
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.hiddenAct = hiddenAct
        self.vocabSize = vocabSize
        self.positionEmbeddingType = positionEmbeddingType
        self.padTokenID = padTokenID
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try container.decode(String.self, forKey: .modelType)
        architectures = try container.decodeIfPresent([String].self, forKey: .architectures) ?? []
        hiddenSize = try container.decodeIfPresent(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try container.decodeIfPresent(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try container.decodeIfPresent(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try container.decodeIfPresent(Int.self, forKey: .intermediateSize)
        maxPositionEmbeddings = try container.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings)
        typeVocabSize = try container.decodeIfPresent(Int.self, forKey: .typeVocabSize)
        layerNormEps = try container.decodeIfPresent(Double.self, forKey: .layerNormEps)
        hiddenAct = try container.decodeIfPresent(String.self, forKey: .hiddenAct)
        vocabSize = try container.decodeIfPresent(Int.self, forKey: .vocabSize)
        positionEmbeddingType = try container.decodeIfPresent(String.self, forKey: .positionEmbeddingType)
        padTokenID = try container.decodeIfPresent(Int.self, forKey: .padTokenID)
    }

    /// Reads the `config.json` at `path`.
    public init(path: String) throws(HuggingFaceError) {
        self = try HuggingFaceJSON.decode(HuggingFaceConfig.self, at: path)
    }
}
