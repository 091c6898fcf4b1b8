import CKernels
import Foundation

// The shared layers every architecture is built from. An architecture's file chooses and configures
// them (ARCHITECTURE.md, decision 11); a backend decides how to run them (decision 12).

/// A projection: one or more weight matrices of the same input width whose outputs go to separate
/// buffers (Q, K and V; gate and up; or a single matrix), each with an optional bias.
///
/// `id` indexes the model's `linears`, so a backend prepares each projection once (repacks it, or
/// leaves it on the one-row path) and finds its prepared form in O(1).
public struct Linear: Sendable {
    public let id: Int
    public let parts: [WeightMatrix]
    /// One entry per part; nil where the part has no bias.
    public let biases: [[Float]?]

    public var cols: Int { parts[0].cols }
}

/// RMSNorm over rows of `weight.count` values. A weight as wide as a head normalizes each head of a
/// wider buffer on its own (QK-norm).
public struct RMSNorm: Sendable {
    public let weight: [Float]
    public let eps: Float
}

/// How RoPE pairs the dimensions of a head.
public enum RopeStyle: Sendable, Equatable {
    /// Adjacent pairs (x[2i], x[2i+1]): Llama GGUF files, whose Q/K rows the converter permuted for this.
    case normal
    /// Pairs (x[i], x[i + d/2]): GPT-NeoX style (Qwen2, Gemma).
    case neox
}

/// Rotary position embedding of the first `dimensions` dims of each head.
public struct RoPE: Sendable, Equatable {
    public var style: RopeStyle
    public var dimensions: Int
    public var base: Float
    public var scaling: RopeScaling = .none
    /// Multiplies cos and sin (`rope.scaling.attn_factor`; Phi-3's long-context models).
    public var attentionFactor: Float = 1
    /// Divisors of each dimension pair's angle (Llama 3.1/3.2's `rope_freqs.weight`, Phi-3's
    /// `rope_factors_short.weight`); nil: none.
    public var frequencyFactors: [Float]?
    /// The divisors that replace `frequencyFactors` when the served context passes the original one
    /// (Phi-3's `rope_factors_long.weight`); nil: none.
    public var longContextFactors: LongContextFactors?

    /// The divisors for sequences of up to `maxModelLength` tokens: the long-context ones past their
    /// original context, as llama.cpp chooses them from the context it was given (`get_rope_factors`),
    /// so every position of every sequence rotates the same way whatever its own length.
    public func frequencyFactors(forContext maxModelLength: Int) -> [Float]? {
        if let long = longContextFactors, maxModelLength > long.originalContext { return long.factors }
        return frequencyFactors
    }
}

/// LongRoPE's second set of per-pair divisors (Phi-3 and Phi-4-mini's 128k models).
public struct LongContextFactors: Sendable, Equatable {
    public var factors: [Float]
    /// The context the short factors were trained for (`rope.scaling.original_context_length`).
    public var originalContext: Int
}

/// How a model stretches RoPE past its training context (GGUF's `rope.scaling.*`).
public enum RopeScaling: Sendable, Equatable {
    case none
    /// Positions divided by `factor` (position interpolation).
    case linear(factor: Float)
    /// YaRN: low-frequency pairs interpolated, high-frequency ones kept, a ramp between over the
    /// correction dims found from the original context, and cos/sin scaled by 1 + 0.1 ln(factor).
    case yarn(factor: Float, originalContext: Int)
}

extension RoPE {
    /// Reads `rope.dimension_count` (default: the head dim), `rope.freq_base` (default `base`) and the
    /// scaling keys, with llama.cpp's defaults and its reading of them (llama-model.cpp, llama-context.cpp).
    static func read(_ keys: GGUFHyperparameters, _ config: ModelConfiguration, style: RopeStyle,
                     base: Float = 10_000) throws(ModelError) -> RoPE {
        let dimensions = keys.int("rope.dimension_count") ?? config.headDim
        guard dimensions <= config.headDim, dimensions % 2 == 0 else {
            throw .unsupportedShape("rope dimension \(dimensions) must be even and at most the head dim \(config.headDim)")
        }
        var rope = RoPE(style: style, dimensions: dimensions, base: keys.float("rope.freq_base") ?? base)
        let factor = keys.float("rope.scaling.factor") ?? keys.float("rope.scale_linear") ?? 0
        switch keys.string("rope.scaling.type") ?? "linear" {
        case "none": break
        case "linear": if factor > 0 && factor != 1 { rope.scaling = .linear(factor: factor) }
        case "yarn":
            rope.scaling = .yarn(factor: factor > 0 ? factor : 1,
                                 originalContext: keys.int("rope.scaling.original_context_length") ?? config.contextLength)
        case let other: throw .unsupportedShape("RoPE scaling \"\(other)\" is not supported (none, linear, yarn)")
        }
        rope.attentionFactor = keys.float("rope.scaling.attn_factor") ?? 1
        return rope
    }

    /// Llama 3's frequency factors, where the file has `rope_freqs.weight` (one per dimension pair).
    mutating func readFrequencyFactors(_ loader: WeightLoader) throws(ModelError) {
        guard loader.hasTensor("rope_freqs.weight") else { return }
        frequencyFactors = try loadVector(loader.file, "rope_freqs.weight", count: dimensions / 2)
    }
}

/// One layer's attention: how scores are scaled, capped and windowed, and how positions rotate.
public struct AttentionSpec: Sendable, Equatable {
    public var rope: RoPE
    /// Scores are q·k × scale.
    public var scale: Float
    /// Sliding window: a token sees itself and the `window - 1` positions before it; nil: all of them.
    public var window: Int?
    /// Soft-capping of scores, `cap × tanh(score / cap)` (Gemma 2); nil: none.
    public var softcap: Float?
}

/// The activation of a gated MLP: `act(gate) × up`.
public enum GatedActivation: Sendable, Equatable {
    case silu
    /// GELU, tanh approximation (Gemma).
    case geluTanh
}

/// The token embedding table and the factor its rows are scaled by (Gemma: √hidden).
public struct Embedding: Sendable {
    public let table: WeightMatrix
    public let scale: Float?
}

/// The buffers of a forward pass a layer program reads and writes; the backend owns their memory and
/// knows their widths (`residual`, `normed`, `projected`: hidden; `query`, `attention`: heads × head
/// dim; `key`, `value`: KV heads × head dim; `gate`, `up`: intermediate; `logits`: the vocabulary, the
/// LM head's output, which the backend runs itself).
public enum ActivationBuffer: Sendable {
    case residual, normed, projected, query, key, value, attention, gate, up, logits
}

/// Where a projection's parts go, in order, and whether the first (only) one is added into.
public struct ProjectionTargets: Sendable {
    public let first: ActivationBuffer
    public let second: ActivationBuffer?
    public let third: ActivationBuffer?
    /// Add the result into `first` instead of overwriting it (a residual add fused into the projection).
    public let accumulate: Bool

    public init(_ first: ActivationBuffer, _ second: ActivationBuffer? = nil, _ third: ActivationBuffer? = nil) {
        self.first = first
        self.second = second
        self.third = third
        accumulate = false
    }

    /// The single output added into `buffer`.
    public static func adding(into buffer: ActivationBuffer) -> ProjectionTargets {
        ProjectionTargets(buffer, accumulate: true)
    }

    private init(_ first: ActivationBuffer, accumulate: Bool) {
        self.first = first
        second = nil
        third = nil
        self.accumulate = accumulate
    }
}

/// The operations a layer program is written in. A backend implements them over its own memory and
/// may fuse what one call names together (a norm with the quantization of the projection's input, a
/// residual add into the projection's output). Calls allocate nothing.
public protocol LayerOps {
    /// RMSNorm of `input` into `normed`, then `linear` of that into `targets`.
    func normProject(_ input: ActivationBuffer, _ norm: RMSNorm, _ linear: Linear, into targets: ProjectionTargets)
    /// `linear` of `input` into `targets`.
    func project(_ input: ActivationBuffer, _ linear: Linear, into targets: ProjectionTargets)
    /// `act(gate) × up`, then `linear` of that into `targets`.
    func gatedProject(_ activation: GatedActivation, _ linear: Linear, into targets: ProjectionTargets)
    /// RMSNorm of `buffer` in place, over rows as wide as the norm's weight.
    func normalize(_ buffer: ActivationBuffer, _ norm: RMSNorm)
    /// `target += source`.
    func add(_ source: ActivationBuffer, into target: ActivationBuffer)
    /// RoPE on `query` and `key`, then attention of layer `layer` (its K/V written to the cache first)
    /// into `attention`.
    func attention(layer: Int, _ spec: AttentionSpec)
}

/// Loads the weights an architecture names, numbering its projections as it goes.
public struct WeightLoader {
    public let file: GGUFFile
    public let configuration: ModelConfiguration
    public private(set) var linears: [Linear] = []

    public init(file: GGUFFile, configuration: ModelConfiguration) {
        self.file = file
        self.configuration = configuration
    }

    /// A matrix of GGUF shape `[cols, rows]`.
    public func matrix(_ name: String, rows: Int, cols: Int) throws(ModelError) -> WeightMatrix {
        try WeightMatrix(file, name, rows: rows, cols: cols)
    }

    /// A projection of `parts` (name, output rows) over inputs of `cols`, with their biases
    /// (`<name without .weight>.bias`) where the file has them.
    public mutating func linear(_ parts: [(name: String, rows: Int)], cols: Int) throws(ModelError) -> Linear {
        var matrices: [WeightMatrix] = []
        var biases: [[Float]?] = []
        for part in parts {
            matrices.append(try matrix(part.name, rows: part.rows, cols: cols))
            let bias = String(part.name.dropLast(".weight".count)) + ".bias"
            biases.append(file.tensor(named: bias) == nil ? nil : try loadVector(file, bias, count: part.rows))
        }
        let linear = Linear(id: linears.count, parts: matrices, biases: biases)
        linears.append(linear)
        return linear
    }

    public mutating func linear(_ name: String, rows: Int, cols: Int) throws(ModelError) -> Linear {
        try linear([(name, rows)], cols: cols)
    }

    /// A projection of one fused tensor of GGUF shape `[cols, Σ rows]` whose consecutive row ranges are the
    /// parts (Phi-3's `attn_qkv`: Q, K, V; its `ffn_up`: gate, then up), with the fused bias split alike.
    public mutating func fusedLinear(_ name: String, splits: [(name: String, rows: Int)], cols: Int) throws(ModelError) -> Linear {
        let whole = try matrix(name, rows: splits.reduce(0) { $0 + $1.rows }, cols: cols)
        let biasName = String(name.dropLast(".weight".count)) + ".bias"
        let bias = file.tensor(named: biasName) == nil ? nil : try loadVector(file, biasName, count: whole.rows)
        var parts: [WeightMatrix] = []
        var biases: [[Float]?] = []
        var first = 0
        for split in splits {
            parts.append(whole.rows(first..<(first + split.rows), name: split.name))
            biases.append(bias.map { Array($0[first..<(first + split.rows)]) })
            first += split.rows
        }
        let linear = Linear(id: linears.count, parts: parts, biases: biases)
        linears.append(linear)
        return linear
    }

    /// An already loaded matrix as a projection of its own (a tied LM head).
    public mutating func linear(reusing matrix: WeightMatrix) -> Linear {
        let linear = Linear(id: linears.count, parts: [matrix], biases: [nil])
        linears.append(linear)
        return linear
    }

    public func norm(_ name: String, count: Int? = nil) throws(ModelError) -> RMSNorm {
        RMSNorm(weight: try loadVector(file, name, count: count ?? configuration.hiddenSize), eps: configuration.rmsNormEps)
    }

    public func hasTensor(_ name: String) -> Bool { file.tensor(named: name) != nil }
}

/// LayerNorm over rows of `weight.count` values, with a shift (BERT and its kin): centred, scaled to unit
/// variance, then `× weight + bias`.
public struct LayerNorm: Sendable {
    public let weight: [Float]
    public let bias: [Float]
    public let eps: Float
}
