import CKernels
import SluiceModel

/// One encoder pass's `EncoderLayerOps`: the runner's kernels over its scratch, for the batch's tokens.
/// Projections take the packed GEMM where the runner prepared one (as the decoder's `StepOps`), else the
/// one-row path.
struct EncoderOps: EncoderLayerOps {
    let runner: EncoderRunner
    let tokens: Int
    let sequences: Int

    private var s: EncoderRunner.Scratch { runner.scratch }
    private var config: EncoderConfiguration { runner.model.configuration }
    private var pool: OpaquePointer { runner.pool.pool }

    /// A buffer and its row width.
    private func buffer(_ name: ActivationBuffer) -> (pointer: UnsafeMutablePointer<Float>, width: Int) {
        let c = config
        switch name {
        case .residual, .normed: return (s.residual, c.hiddenSize)
        case .projected: return (s.projected, c.hiddenSize)
        case .query: return (s.query, c.hiddenSize)
        case .key: return (s.key, c.hiddenSize)
        case .value: return (s.value, c.hiddenSize)
        case .attention: return (s.attention, c.hiddenSize)
        case .gate: return (s.gate, c.intermediateSize)
        case .up: return (s.up, c.intermediateSize)
        case .logits: preconditionFailure("an encoder has no logits")
        }
    }

    func project(_ input: ActivationBuffer, _ linear: Linear, into targets: ProjectionTargets) {
        let source = buffer(input)
        if let packed = runner.weights.packed(linear) {
            var act = activations(cols: packed.cols)
            sl_quantize_act(pool, source.pointer, Int64(source.width), Int64(tokens), format(packed.pieces[0]), &act,
                            runner.gemmLevel)
            gemm(packed, act, input: source, targets)
        } else {
            matmul(linear, source.pointer, targets)
        }
        addBiases(linear, targets)
    }

    func gatedProject(_ activation: GatedActivation, _ linear: Linear, into targets: ProjectionTargets) {
        let width = config.intermediateSize
        if let packed = runner.weights.packed(linear) {
            var act = activations(cols: packed.cols)
            switch activation {
            case .silu:
                sl_swiglu_quantize(pool, s.gate, s.up, Int64(width), Int64(tokens), format(packed.pieces[0]), &act, runner.gemmLevel)
            case .geluTanh:
                sl_geglu_quantize(pool, s.gate, s.up, Int64(width), Int64(tokens), format(packed.pieces[0]), &act, runner.gemmLevel)
            }
            gemm(packed, act, input: (s.gate, width), targets)
        } else {
            switch activation {
            case .silu: sl_swiglu(s.gate, s.up, s.gate, Int64(tokens * width))
            case .geluTanh: sl_geglu(s.gate, s.up, s.gate, Int64(tokens * width))
            }
            matmul(linear, s.gate, targets)
        }
        addBiases(linear, targets)
    }

    func geluProject(_ linear: Linear, into targets: ProjectionTargets) {
        sl_gelu(s.gate, Int64(tokens * config.intermediateSize))
        project(.gate, linear, into: targets)
    }

    func layerNorm(_ name: ActivationBuffer, _ norm: LayerNorm) {
        let target = buffer(name)
        norm.weight.withUnsafeBufferPointer { weight in
            norm.bias.withUnsafeBufferPointer { bias in
                sl_layernorm(target.pointer, weight.baseAddress, bias.baseAddress, target.pointer, Int64(tokens),
                             Int64(target.width), norm.eps)
            }
        }
    }

    func rotate(_ rope: RoPE) {
        let c = config
        var params = rope.kernelParameters
        func rotate(_ factors: UnsafePointer<Float>?) {
            params.freq_factors = factors
            sl_rope_ext(s.query, s.positions, Int64(tokens), Int64(c.numHeads), Int64(c.headDim), Int64(rope.dimensions), &params)
            sl_rope_ext(s.key, s.positions, Int64(tokens), Int64(c.numHeads), Int64(c.headDim), Int64(rope.dimensions), &params)
        }
        if let factors = rope.frequencyFactors { factors.withUnsafeBufferPointer { rotate($0.baseAddress) } } else { rotate(nil) }
    }

    /// Writes every token's K/V, then runs the paged kernel with each token's context set to its whole
    /// input: the kernel attends to positions `0..<context`, so a full-length context is no mask at all.
    func attention(scale: Float) {
        let c = config
        let blockSize = Int64(EncoderRunner.blockSize)
        sl_kv_cache_write_typed(SL_TYPE_F16, s.key, s.value, s.keyCache, s.valueCache, nil, nil, s.slotMapping, Int64(tokens),
                                Int64(c.numHeads), Int64(c.headDim), blockSize)
        var args = sl_attention_args(
            q: s.query, k_cache: s.keyCache, v_cache: s.valueCache, block_tables: s.blockTables, token_seq: s.sequenceIndices,
            context_lens: s.contextLengths, out: s.attention, scratch: s.attentionScores, max_context: Int64(s.maxContext),
            level: runner.attentionLevel, num_tokens: Int64(tokens), num_heads: Int64(c.numHeads),
            num_kv_heads: Int64(c.numHeads), head_dim: Int64(c.headDim), block_size: blockSize,
            max_blocks_per_seq: Int64(s.maxBlocksPerSequence), scale: scale, softcap: 0, window: 0, kv_type: SL_TYPE_F16,
            k_scales: nil, v_scales: nil)
        sl_paged_attention(pool, &args)
    }

    // MARK: - Projections

    private func activations(cols: Int) -> sl_qact {
        var act = sl_qact()
        sl_qact_init(&act, s.packedActivations, Int64(runner.maxBatchTokens), Int64(cols))
        return act
    }

    /// How `piece`'s activations are prepared: its type's format, or fp16 products for F16 weights where
    /// the runner takes them.
    private func format(_ piece: PackedLinear) -> sl_act_format {
        piece.type == SL_TYPE_F16 && runner.usesF16Products ? SL_ACT_F16_PRODUCTS : piece.activationFormat
    }

    private typealias Destination = (buffer: UnsafeMutablePointer<Float>, stride: Int, accumulate: Bool)

    private func destination(_ targets: ProjectionTargets, _ index: Int) -> Destination? {
        let name = index == 0 ? targets.first : index == 1 ? targets.second : targets.third
        return name.map { let b = buffer($0); return (b.pointer, b.width, targets.accumulate) }
    }

    /// Each piece of a packed projection over `act`, re-quantizing `input` for a piece of another format.
    private func gemm(_ projection: PackedProjection, _ act: sl_qact, input: (pointer: UnsafeMutablePointer<Float>, width: Int),
                      _ targets: ProjectionTargets) {
        var act = act
        var next = 0
        for piece in projection.pieces {
            if format(piece) != act.format {
                sl_quantize_act(pool, input.pointer, Int64(input.width), Int64(tokens), format(piece), &act, runner.gemmLevel)
            }
            let count = piece.rowRanges.count
            precondition(count <= 3, "a packed piece stacks at most three matrices")
            func output(_ offset: Int) -> sl_gemm_output {
                guard offset < count else { return sl_gemm_output() }
                guard let target = destination(targets, next + offset) else {
                    preconditionFailure("a projection has more parts than targets")
                }
                let range = piece.rowRanges[offset]
                return sl_gemm_output(y: target.buffer, ldy: Int64(target.stride), row_begin: Int64(range.lowerBound),
                                      row_end: Int64(range.upperBound), accumulate: target.accumulate ? 1 : 0)
            }
            // A tuple, not an array: nothing allocates per layer.
            var outputs = (output(0), output(1), output(2))
            var matrix = piece.matrix
            withUnsafeMutableBytes(of: &outputs) {
                sl_gemm(pool, &matrix, &act, $0.baseAddress!.assumingMemoryBound(to: sl_gemm_output.self), Int32(count),
                        runner.gemmLevel)
            }
            next += count
        }
    }

    /// The one-row path: each part into its destination; an accumulating target goes through `projected`.
    private func matmul(_ linear: Linear, _ input: UnsafeMutablePointer<Float>, _ targets: ProjectionTargets) {
        for (index, part) in linear.parts.enumerated() {
            guard let target = destination(targets, index) else { preconditionFailure("a projection has more parts than targets") }
            let out = target.accumulate ? s.projected : target.buffer
            sl_matmul(pool, part.type, part.data, Int64(part.rows), Int64(part.cols), input, Int64(tokens), out, s.quantized)
            if target.accumulate { sl_add(target.buffer, out, Int64(tokens * target.stride)) }
        }
    }

    /// Biases after the product: added into the target whether it was overwritten or added into.
    private func addBiases(_ linear: Linear, _ targets: ProjectionTargets) {
        for (index, bias) in linear.biases.enumerated() {
            guard let bias, let target = destination(targets, index) else { continue }
            bias.withUnsafeBufferPointer { sl_add_bias(target.buffer, $0.baseAddress, Int64(tokens), Int64(target.stride)) }
        }
    }
}
