/// The weights of a post-norm encoder layer as BERT has it: attention added to the layer input, then
/// LayerNorm; the feed-forward added to that, then LayerNorm (llama.cpp's `build_bert`). nomic-bert
/// shares it with RoPE, a SwiGLU feed-forward and no biases.
public struct PostNormEncoderLayer: Sendable {
    /// The feed-forward block: BERT's GELU MLP or nomic-bert's SiLU-gated one.
    public enum FeedForward: Sendable {
        /// down(gelu(up(x))).
        case gelu(up: Linear, down: Linear)
        /// down(silu(gate(x)) × up(x)), `gateUp` writing gate then up.
        case gated(GatedActivation, gateUp: Linear, down: Linear)
    }

    public let qkv: Linear                      // [3 hidden, hidden]
    public let attentionOutput: Linear          // [hidden, hidden]
    public let attentionOutputNorm: LayerNorm
    public let feedForward: FeedForward
    public let layerOutputNorm: LayerNorm
    /// RoPE on Q and K (nomic-bert); nil where positions were embedded at the input (BERT).
    public let rope: RoPE?

    init(qkv: Linear, attentionOutput: Linear, attentionOutputNorm: LayerNorm, feedForward: FeedForward,
         layerOutputNorm: LayerNorm, rope: RoPE?) {
        self.qkv = qkv
        self.attentionOutput = attentionOutput
        self.attentionOutputNorm = attentionOutputNorm
        self.feedForward = feedForward
        self.layerOutputNorm = layerOutputNorm
        self.rope = rope
    }

    /// x = norm(x + attention(x)); x = norm(x + feedForward(x)).
    public func run<Ops: EncoderLayerOps>(scale: Float, _ ops: Ops) {
        ops.project(.residual, qkv, into: ProjectionTargets(.query, .key, .value))
        if let rope { ops.rotate(rope) }
        ops.attention(scale: scale)
        ops.project(.attention, attentionOutput, into: .adding(into: .residual))
        ops.layerNorm(.residual, attentionOutputNorm)
        switch feedForward {
        case .gelu(let up, let down):
            ops.project(.residual, up, into: ProjectionTargets(.gate))
            ops.geluProject(down, into: .adding(into: .residual))
        case .gated(let activation, let gateUp, let down):
            ops.project(.residual, gateUp, into: ProjectionTargets(.gate, .up))
            ops.gatedProject(activation, down, into: .adding(into: .residual))
        }
        ops.layerNorm(.residual, layerOutputNorm)
    }
}

/// BERT (all-MiniLM, bge): absolute position and token-type embeddings, post-norm layers with biases,
/// GELU (tanh approximation, as llama.cpp's `ggml_gelu`) feed-forward.
public final class BertArchitecture: EncoderModel {
    public static let architectures = ["bert"]

    public let common: EncoderCommon
    public let layers: [PostNormEncoderLayer]

    public init(source: any TensorSource, configuration c: EncoderConfiguration) throws(ModelError) {
        var loader = EncoderWeightLoader(source: source, configuration: c)
        var layers: [PostNormEncoderLayer] = []
        for index in 0..<c.numLayers {
            let p = "blk.\(index)."
            let qkv = try loader.attentionInput(index)
            let output = try loader.linear(p + "attn_output.weight", rows: c.hiddenSize, cols: c.hiddenSize)
            let up = try loader.linear(p + "ffn_up.weight", rows: c.intermediateSize, cols: c.hiddenSize)
            let down = try loader.linear(p + "ffn_down.weight", rows: c.hiddenSize, cols: c.intermediateSize)
            layers.append(PostNormEncoderLayer(
                qkv: qkv, attentionOutput: output, attentionOutputNorm: try loader.layerNorm(p + "attn_output_norm"),
                feedForward: .gelu(up: up, down: down), layerOutputNorm: try loader.layerNorm(p + "layer_output_norm"),
                rope: nil))
        }
        common = try EncoderCommon(loader, positions: true)
        self.layers = layers
    }

    public func runLayer<Ops: EncoderLayerOps>(_ index: Int, _ ops: Ops) {
        layers[index].run(scale: 1 / Float(configuration.headDim).squareRoot(), ops)
    }
}
