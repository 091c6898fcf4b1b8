/// An encoder (BERT and its kin): every token attends to every token of its own input, in one pass,
/// with no KV cache; the per-token states are pooled into one vector per input. One type per
/// architecture in `Architectures/`, registered in `ModelRegistry.encoderTypes` under the
/// `general.architecture` names it runs, beside the decoders (ARCHITECTURE.md, decisions 11 and 17).
///
/// As a decoder, it describes the computation only; a backend runs it (`EncoderBackend`).
public protocol EncoderModel: AnyObject, Sendable {
    /// The `general.architecture` (or `model_type`) values this type loads.
    static var architectures: [String] { get }
    /// Loads the weights named as GGUF names them from `source` (a GGUF file, or any other
    /// `TensorSource` whose names are mapped to GGUF's).
    init(source: any TensorSource, configuration: EncoderConfiguration) throws(ModelError)

    /// What every encoder has around its layers: configuration, embeddings, every projection.
    var common: EncoderCommon { get }

    /// Runs layer `index` on `ops`: reads and updates `residual`.
    func runLayer<Ops: EncoderLayerOps>(_ index: Int, _ ops: Ops)
}

extension EncoderModel {
    public var configuration: EncoderConfiguration { common.configuration }
    /// Every projection of the model, indexed by `Linear.id`: what a backend prepares.
    public var linears: [Linear] { common.linears }
}

/// The embedding end of an encoder: token rows, plus token type 0's row and absolute positions where
/// the architecture has them, then a LayerNorm (llama.cpp's `build_bert` input).
public struct EncoderCommon: Sendable {
    public let configuration: EncoderConfiguration
    /// Keeps the memory every weight points into alive.
    public let source: any TensorSource
    public let tokenEmbedding: WeightMatrix
    /// Token type 0's row, added to every token (inputs are always one segment, as in llama.cpp); nil: none.
    public let tokenTypeRow: [Float]?
    /// Absolute position rows (`bert`); nil where positions rotate instead (`nomic-bert`).
    public let positionEmbedding: WeightMatrix?
    public let embeddingNorm: LayerNorm
    /// Every projection, indexed by `Linear.id`.
    public let linears: [Linear]

    init(_ loader: EncoderWeightLoader, positions: Bool) throws(ModelError) {
        let c = loader.configuration
        configuration = c
        source = loader.source
        tokenEmbedding = try loader.matrix("token_embd.weight", rows: c.vocabularySize, cols: c.hiddenSize)
        if let types = loader.source.tensor(named: "token_types.weight") {
            guard types.dimensions.count == 2, types.dimensions[0] == c.hiddenSize, types.dimensions[1] >= 1 else {
                throw .tensorShape(name: types.name, expected: [c.hiddenSize, c.tokenTypeCount], found: types.dimensions)
            }
            tokenTypeRow = try loader.matrix("token_types.weight", rows: types.dimensions[1], cols: c.hiddenSize).row(0)
        } else {
            tokenTypeRow = nil
        }
        positionEmbedding = positions
            ? try loader.matrix("position_embd.weight", rows: c.contextLength, cols: c.hiddenSize) : nil
        embeddingNorm = try loader.layerNorm("token_embd_norm")
        linears = loader.linears
    }
}

/// The operations an encoder's layer program is written in, over the same buffers as a decoder's
/// (`ActivationBuffer`). A backend implements them over its own memory; calls allocate nothing.
public protocol EncoderLayerOps {
    /// `linear` of `input` into `targets`, biases added (also when the target is added into).
    func project(_ input: ActivationBuffer, _ linear: Linear, into targets: ProjectionTargets)
    /// `act(gate) × up`, then `linear` of that into `targets` (nomic-bert's SwiGLU).
    func gatedProject(_ activation: GatedActivation, _ linear: Linear, into targets: ProjectionTargets)
    /// GELU (tanh approximation) of `gate`, then `linear` of that into `targets` (BERT's feed-forward).
    func geluProject(_ linear: Linear, into targets: ProjectionTargets)
    /// LayerNorm of `buffer` in place.
    func layerNorm(_ buffer: ActivationBuffer, _ norm: LayerNorm)
    /// RoPE on `query` and `key` at each token's position within its input.
    func rotate(_ rope: RoPE)
    /// Attention of every token over every token of its own input (no mask, no cache) into `attention`;
    /// scores are q·k × `scale`.
    func attention(scale: Float)
}
