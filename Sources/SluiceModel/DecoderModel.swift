/// A decoder-only language model: its configuration, its weights, and the program of each layer in
/// shared layers (`LayerOps`). One type per architecture, in `Architectures/`, registered in
/// `ModelRegistry` under the `general.architecture` names it runs (ARCHITECTURE.md, decision 11).
///
/// A model describes the computation only; how and where it runs (repacked weights, KV memory,
/// threads) belongs to the backend that executes it.
public protocol DecoderModel: AnyObject, Sendable {
    /// The `general.architecture` values this type loads.
    static var architectures: [String] { get }
    /// Reads the configuration and weights; the tensors stay in the file's mapping.
    init(file: GGUFFile) throws(ModelError)

    /// What every decoder has around its layers: configuration, file, embedding, final norm, LM head,
    /// and every projection.
    var common: DecoderCommon { get }
    /// Final logit soft-capping (Gemma 2); nil: none.
    var finalSoftcap: Float? { get }
    /// The attention of each layer (a backend sizes windows and scratch from it).
    var attentionSpecs: [AttentionSpec] { get }

    /// Runs layer `index` on `ops`: reads and updates `residual`.
    func runLayer<Ops: LayerOps>(_ index: Int, _ ops: Ops)
}

extension DecoderModel {
    public var finalSoftcap: Float? { nil }
    public var configuration: ModelConfiguration { common.configuration }
    /// The file every weight points into, kept alive by the model.
    public var file: GGUFFile { common.file }
    public var embedding: Embedding { common.embedding }
    /// Every projection of the model, indexed by `Linear.id`: what a backend prepares.
    public var linears: [Linear] { common.linears }
    public var outputNorm: RMSNorm { common.outputNorm }
    /// The LM head (the token embedding itself where the model ties them).
    public var output: Linear { common.output }
}

/// What every decoder has around its layers, gathered once its weights are loaded.
public struct DecoderCommon: Sendable {
    public let configuration: ModelConfiguration
    public let file: GGUFFile
    public let embedding: Embedding
    public let outputNorm: RMSNorm
    public let output: Linear
    /// Every projection, indexed by `Linear.id`.
    public let linears: [Linear]

    /// `configuration` overrides the loader's where the architecture adjusted it after loading (Phi-3's
    /// context bound by its short RoPE factors).
    init(_ loader: WeightLoader, _ ends: DecoderEnds, configuration: ModelConfiguration? = nil) {
        self.configuration = configuration ?? loader.configuration
        file = loader.file
        embedding = ends.embedding
        outputNorm = ends.outputNorm
        output = ends.output
        linears = loader.linears
    }
}

/// The architectures Sluice runs, keyed by `general.architecture` (as vLLM's model registry).
public enum ModelRegistry {
    static let types: [any DecoderModel.Type] = [
        LlamaArchitecture.self, Qwen2Architecture.self, Qwen3Architecture.self, Gemma2Architecture.self, Gemma3Architecture.self,
        Phi3Architecture.self,
    ]

    /// The encoders (embedding models), served on `/v1/embeddings` instead of the generating endpoints.
    static let encoderTypes: [any EncoderModel.Type] = [BertArchitecture.self, NomicBertArchitecture.self]

    /// Every architecture name that loads, decoders and encoders.
    public static var supportedArchitectures: [String] {
        (types.flatMap { $0.architectures } + encoderTypes.flatMap { $0.architectures }).sorted()
    }

    /// Whether `file` holds an encoder (an embedding model) rather than a decoder.
    public static func isEncoder(_ file: GGUFFile) -> Bool {
        guard let arch = file.string("general.architecture") else { return false }
        return encoderTypes.contains { $0.architectures.contains(arch) }
    }

    /// Loads the decoder `file` declares, or says which architectures are supported (or that it is an
    /// embedding model).
    public static func load(_ file: GGUFFile) throws(ModelError) -> any DecoderModel {
        guard let arch = file.string("general.architecture") else { throw .missingMetadata(key: "general.architecture") }
        guard let type = types.first(where: { $0.architectures.contains(arch) }) else {
            throw isEncoder(file) ? .embeddingModel(arch) : .unsupportedArchitecture(arch)
        }
        return try type.init(file: file)
    }

    /// Loads the encoder `file` declares, its configuration read from the file's metadata.
    public static func loadEncoder(_ file: GGUFFile) throws(ModelError) -> any EncoderModel {
        try loadEncoder(source: file, configuration: try EncoderConfiguration(GGUFHyperparameters(file)))
    }

    /// Loads the encoder `configuration.architecture` names from any tensor source whose names are GGUF's
    /// (a safetensors file with Hugging Face's names mapped, its configuration from `config.json`).
    public static func loadEncoder(source: any TensorSource, configuration: EncoderConfiguration) throws(ModelError)
        -> any EncoderModel {
        let arch = configuration.architecture
        guard let type = encoderTypes.first(where: { $0.architectures.contains(arch) }) else {
            throw types.contains(where: { $0.architectures.contains(arch) })
                ? .unsupportedShape("\(arch) is a generative model, not an embedding model")
                : .unsupportedArchitecture(arch)
        }
        return try type.init(source: source, configuration: configuration)
    }
}
