/// Loads the weights an encoder names from any `TensorSource`, numbering its projections as it goes
/// (the encoders' counterpart of `WeightLoader`, which reads a decoder's GGUF file).
public struct EncoderWeightLoader {
    public let source: any TensorSource
    public let configuration: EncoderConfiguration
    public private(set) var linears: [Linear] = []

    public init(source: any TensorSource, configuration: EncoderConfiguration) {
        self.source = source
        self.configuration = configuration
    }

    /// A matrix of GGUF shape `[cols, rows]`.
    public func matrix(_ name: String, rows: Int, cols: Int) throws(ModelError) -> WeightMatrix {
        try WeightMatrix(source, name, rows: rows, cols: cols)
    }

    /// The bias of `name` (`<name without .weight>.bias`), where the source has it.
    private func bias(of name: String, count: Int) throws(ModelError) -> [Float]? {
        let bias = String(name.dropLast(".weight".count)) + ".bias"
        return source.tensor(named: bias) == nil ? nil : try loadVector(source, bias, count: count)
    }

    /// A projection of separate tensors (name, output rows) over inputs of `cols`, with their biases.
    public mutating func linear(_ parts: [(name: String, rows: Int)], cols: Int) throws(ModelError) -> Linear {
        var matrices: [WeightMatrix] = []
        var biases: [[Float]?] = []
        for part in parts {
            matrices.append(try matrix(part.name, rows: part.rows, cols: cols))
            biases.append(try bias(of: part.name, count: part.rows))
        }
        return append(matrices, biases)
    }

    public mutating func linear(_ name: String, rows: Int, cols: Int) throws(ModelError) -> Linear {
        try linear([(name, rows)], cols: cols)
    }

    /// A projection of one fused tensor whose consecutive row ranges are the parts (`attn_qkv`: Q, K, V),
    /// its bias split alike.
    public mutating func fusedLinear(_ name: String, splits: [(name: String, rows: Int)], cols: Int) throws(ModelError) -> Linear {
        let whole = try matrix(name, rows: splits.reduce(0) { $0 + $1.rows }, cols: cols)
        let bias = try bias(of: name, count: whole.rows)
        var parts: [WeightMatrix] = []
        var biases: [[Float]?] = []
        var first = 0
        for split in splits {
            parts.append(whole.rows(first..<(first + split.rows), name: split.name))
            biases.append(bias.map { Array($0[first..<(first + split.rows)]) })
            first += split.rows
        }
        return append(parts, biases)
    }

    /// Q, K and V of layer `index`: the fused `attn_qkv` where the file has it, else `attn_q`/`_k`/`_v`.
    public mutating func attentionInput(_ index: Int) throws(ModelError) -> Linear {
        let c = configuration
        let p = "blk.\(index)."
        if source.tensor(named: p + "attn_qkv.weight") != nil {
            return try fusedLinear(p + "attn_qkv.weight", splits: [(p + "attn_q", c.hiddenSize), (p + "attn_k", c.hiddenSize),
                                                                   (p + "attn_v", c.hiddenSize)], cols: c.hiddenSize)
        }
        return try linear([(p + "attn_q.weight", c.hiddenSize), (p + "attn_k.weight", c.hiddenSize),
                           (p + "attn_v.weight", c.hiddenSize)], cols: c.hiddenSize)
    }

    /// The LayerNorm `<prefix>.weight` and `<prefix>.bias`, with the configuration's epsilon.
    public func layerNorm(_ prefix: String) throws(ModelError) -> LayerNorm {
        let width = configuration.hiddenSize
        return LayerNorm(weight: try loadVector(source, prefix + ".weight", count: width),
                         bias: try loadVector(source, prefix + ".bias", count: width), eps: configuration.layerNormEps)
    }

    private mutating func append(_ parts: [WeightMatrix], _ biases: [[Float]?]) -> Linear {
        let linear = Linear(id: linears.count, parts: parts, biases: biases)
        linears.append(linear)
        return linear
    }
}
