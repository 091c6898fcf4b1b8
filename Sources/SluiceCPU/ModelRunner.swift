import SluiceModel
import CKernels

/// The CPU backend's forward pass: runs one batched pass per step over a `ForwardBatch` for any
/// `DecoderModel`, executing each layer's program (`LayerOps`) on `CKernels`. It owns the KV-cache
/// memory, the model's prepared (repacked) weights and every scratch buffer (sized once, so nothing
/// allocates in the step loop: ARCHITECTURE.md, decision 9).
///
/// Not thread-safe: one owner (the engine core's thread) drives it.
public final class ModelRunner {
    public let model: any DecoderModel
    public let weights: PreparedWeights
    public let kvCache: KVCacheStorage
    /// Which block tables and block slots each layer uses (decision 18).
    public let kvCacheLayout: KVCacheLayout
    public let maxBatchTokens: Int
    public let maxLogitRows: Int
    /// The longest sequence (prompt plus output) a batch may hold.
    public let maxModelLength: Int
    /// The attention kernel's level; the scalar reference when set to `SL_LEVEL_SCALAR` (for tests).
    public var attentionLevel: sl_level = SL_LEVEL_AVX512
    /// The packed GEMM's level (the model's packed weights run only when it has any); the scalar
    /// reference when set to `SL_LEVEL_SCALAR` (for tests).
    public var gemmLevel: sl_level = sl_packed_best_level()
    let pool: KernelThreadPool
    let scratch: Scratch

    /// - Parameters:
    ///   - numBlocks: KV blocks in the pool, block 0 (the null block) included.
    ///   - maxBatchTokens: the most tokens one `execute` may carry.
    ///   - maxLogitRows: the most rows of logits one `execute` may ask for.
    ///   - maxModelLength: the longest sequence; the model's trained context length by default.
    ///   - packWeights: repack the weights for the batched GEMM (shared with other runners of the model).
    ///   - sharingWorkersWith: a runner driven by the same thread whose kernel workers this one uses
    ///     (a draft model beside its target), rather than starting a pool whose idle workers would
    ///     spin against the other's; `threadCount` is then that pool's.
    public init(model: any DecoderModel, numBlocks: Int, blockSize: Int, maxBatchTokens: Int, maxLogitRows: Int? = nil,
                maxModelLength: Int? = nil, threadCount: Int = KernelThreadPool.defaultThreadCount,
                packWeights: Bool = PreparedWeights.packsWeights, kvCacheDType: KVCacheDType = .auto,
                sharingWorkersWith other: ModelRunner? = nil) {
        self.model = model
        weights = PreparedWeights.shared(for: model, pack: packWeights)
        self.maxBatchTokens = max(1, maxBatchTokens)
        // Logit rows are tokens of the batch, so there are never more of them than tokens (the final
        // norm and LM head reuse the per-token scratch).
        self.maxLogitRows = min(max(1, maxLogitRows ?? maxBatchTokens), self.maxBatchTokens)
        self.maxModelLength = max(1, maxModelLength ?? model.configuration.contextLength)
        kvCacheLayout = model.kvCacheLayout
        kvCache = KVCacheStorage(configuration: model.configuration, layerSlots: kvCacheLayout.layerSlots,
                                 numBlocks: numBlocks, blockSize: blockSize, dtype: kvCacheDType)
        pool = other?.pool ?? KernelThreadPool(threadCount: threadCount)
        scratch = Scratch(model: model, maxTokens: self.maxBatchTokens, maxLogitRows: self.maxLogitRows,
                          attentionScores: pool.threadCount * Int(SL_ATTENTION_MAX_ROWS)
                              * Int(sl_attention_scores_stride(Int64(self.maxModelLength))),
                          numKVGroups: kvCacheLayout.groups.count)
    }

    public var threadCount: Int { pool.threadCount }
    public var vocabularySize: Int { model.configuration.vocabularySize }

    /// Runs the batch and returns its logits, `[batch.logitIndices.count, vocabularySize]` row-major.
    ///
    /// The returned buffer is owned by the runner and valid until the next call.
    public func execute(_ batch: ForwardBatch) throws(ModelError) -> UnsafeBufferPointer<Float> {
        try validate(batch)
        let config = model.configuration
        let tokens = batch.numTokens
        let s = scratch
        let hidden = config.hiddenSize
        for (index, position) in batch.positions.enumerated() { s.contextLengths[index] = position + 1 }
        let groups = batch.numKVGroups
        if groups > 1 {
            for token in 0..<tokens {
                for group in 0..<groups { s.groupSlots[group * maxBatchTokens + token] = batch.slotMapping[token * groups + group] }
            }
        }

        let table = model.embedding.table
        let status = batch.tokenIDs.withUnsafeBufferPointer { ids in
            sl_get_rows(table.type, table.data, Int64(table.rows), Int64(hidden), ids.baseAddress, Int64(tokens), s.residual)
        }
        guard status == 0 else { throw .invalidBatch("embedding lookup failed") }
        if let scale = model.embedding.scale { sl_scale(s.residual, scale, Int64(tokens * hidden)) }

        let ops = StepOps(runner: self, batch: batch)
        for index in 0..<config.numLayers { model.runLayer(index, ops) }

        // Only the rows that sample go through the final norm and the LM head.
        let rows = batch.logitIndices.count
        for (row, index) in batch.logitIndices.enumerated() {
            (s.normed + row * hidden).update(from: s.residual + Int(index) * hidden, count: hidden)
        }
        let rowOps = StepOps(runner: self, batch: batch, rows: rows)
        rowOps.normProject(.normed, model.outputNorm, model.output, into: ProjectionTargets(.logits))
        if let cap = model.finalSoftcap { sl_softcap(s.logits, cap, Int64(rows * config.vocabularySize)) }
        return UnsafeBufferPointer(start: s.logits, count: rows * config.vocabularySize)
    }
}

/// One step's `LayerOps`: the runner's kernels over its scratch, for the batch's tokens (or, for the
/// LM head, for the rows that sample).
struct StepOps: LayerOps {
    let runner: ModelRunner
    let batch: ForwardBatch
    /// Rows every buffer holds this call.
    let tokens: Int

    init(runner: ModelRunner, batch: ForwardBatch, rows: Int? = nil) {
        self.runner = runner
        self.batch = batch
        tokens = rows ?? batch.numTokens
    }

    private var s: ModelRunner.Scratch { runner.scratch }
    private var config: ModelConfiguration { runner.model.configuration }
    private var pool: OpaquePointer { runner.pool.pool }

    /// A buffer and its row width.
    private func buffer(_ name: ActivationBuffer) -> (pointer: UnsafeMutablePointer<Float>, width: Int) {
        let c = config
        switch name {
        case .residual: return (s.residual, c.hiddenSize)
        case .normed: return (s.normed, c.hiddenSize)
        case .projected: return (s.projected, c.hiddenSize)
        case .query: return (s.query, c.queryDim)
        case .key: return (s.key, c.kvDim)
        case .value: return (s.value, c.kvDim)
        case .attention: return (s.attention, c.queryDim)
        case .gate: return (s.gate, c.intermediateSize)
        case .up: return (s.up, c.intermediateSize)
        case .logits: return (s.logits, c.vocabularySize)
        }
    }

    func normProject(_ input: ActivationBuffer, _ norm: RMSNorm, _ linear: Linear, into targets: ProjectionTargets) {
        let source = buffer(input)
        if let packed = runner.weights.packed(linear) {
            // The norm and the quantization of its output in one pass.
            var act = activations(cols: packed.cols)
            norm.weight.withUnsafeBufferPointer {
                sl_rmsnorm_quantize(pool, source.pointer, $0.baseAddress, norm.eps, s.normed, Int64(tokens),
                                    packed.activationFormat, &act, runner.gemmLevel)
            }
            gemm(packed, act, input: (s.normed, config.hiddenSize), targets)
        } else {
            norm.weight.withUnsafeBufferPointer {
                sl_rmsnorm(source.pointer, $0.baseAddress, s.normed, Int64(tokens), Int64(source.width), norm.eps)
            }
            matmul(linear, s.normed, targets)
        }
        addBiases(linear, targets)
    }

    func project(_ input: ActivationBuffer, _ linear: Linear, into targets: ProjectionTargets) {
        let source = buffer(input)
        if let packed = runner.weights.packed(linear) {
            var act = activations(cols: packed.cols)
            sl_quantize_act(pool, source.pointer, Int64(source.width), Int64(tokens), packed.activationFormat, &act,
                            runner.gemmLevel)
            gemm(packed, act, input: (source.pointer, source.width), targets)
        } else {
            matmul(linear, source.pointer, targets)
        }
        addBiases(linear, targets)
    }

    func gatedProject(_ activation: GatedActivation, _ linear: Linear, into targets: ProjectionTargets) {
        let width = config.intermediateSize
        if let packed = runner.weights.packed(linear) {
            // The activation and the quantization of its output in one pass.
            var act = activations(cols: packed.cols)
            switch activation {
            case .silu:
                sl_swiglu_quantize(pool, s.gate, s.up, Int64(width), Int64(tokens), packed.activationFormat, &act, runner.gemmLevel)
            case .geluTanh:
                sl_geglu_quantize(pool, s.gate, s.up, Int64(width), Int64(tokens), packed.activationFormat, &act, runner.gemmLevel)
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

    func normalize(_ name: ActivationBuffer, _ norm: RMSNorm) {
        let target = buffer(name)
        let width = norm.weight.count
        precondition(target.width % width == 0, "a norm of \(width) does not tile rows of \(target.width)")
        norm.weight.withUnsafeBufferPointer {
            sl_rmsnorm(target.pointer, $0.baseAddress, target.pointer, Int64(tokens * target.width / width),
                       Int64(width), norm.eps)
        }
    }

    func add(_ source: ActivationBuffer, into target: ActivationBuffer) {
        let from = buffer(source), to = buffer(target)
        precondition(from.width == to.width, "adding buffers of different widths")
        sl_add(to.pointer, from.pointer, Int64(tokens * to.width))
    }

    func attention(layer index: Int, _ spec: AttentionSpec) {
        let c = config
        let rope = spec.rope
        var params = rope.kernelParameters
        func rotate(_ factors: UnsafePointer<Float>?) {
            params.freq_factors = factors
            batch.positions.withUnsafeBufferPointer { positions in
                sl_rope_ext(s.query, positions.baseAddress, Int64(tokens), Int64(c.numHeads), Int64(c.headDim),
                            Int64(rope.dimensions), &params)
                sl_rope_ext(s.key, positions.baseAddress, Int64(tokens), Int64(c.numKVHeads), Int64(c.headDim),
                            Int64(rope.dimensions), &params)
            }
        }
        if let factors = rope.frequencyFactors(forContext: runner.maxModelLength) {
            factors.withUnsafeBufferPointer { rotate($0.baseAddress) }
        } else {
            rotate(nil)
        }
        let kvCache = runner.kvCache
        // The layer's K and V sit in its slot of each block its group's table names.
        let layout = runner.kvCacheLayout
        let slot = layout.slot(ofLayer: index), group = layout.group(ofLayer: index), groups = batch.numKVGroups
        let keyCache = kvCache.keys(slot: slot)
        let valueCache = kvCache.values(slot: slot)
        // Every token's K/V is written before any token attends, so a sequence may read blocks written
        // in this same step (decision 12).
        let keyScales = kvCache.keyScales(slot: slot), valueScales = kvCache.valueScales(slot: slot)
        func write(_ slots: UnsafePointer<Int64>?) {
            sl_kv_cache_write_typed(kvCache.elementType, s.key, s.value, keyCache, valueCache, keyScales, valueScales,
                                    slots, Int64(tokens), Int64(c.numKVHeads), Int64(c.headDim),
                                    Int64(kvCache.blockSize))
        }
        if groups > 1 {
            write(s.groupSlots + group * runner.maxBatchTokens)
        } else {
            batch.slotMapping.withUnsafeBufferPointer { write($0.baseAddress) }
        }
        batch.blockTables.withUnsafeBufferPointer { tables in
            batch.sequenceIndices.withUnsafeBufferPointer { sequences in
                // A sequence's tables lie group after group: this group's starts `group` rows in, and the
                // next sequence's a whole set of rows on.
                var args = sl_attention_args(
                    q: s.query, k_cache: keyCache, v_cache: valueCache,
                    block_tables: tables.baseAddress.map { $0 + group * batch.maxBlocksPerSequence },
                    token_seq: sequences.baseAddress, context_lens: s.contextLengths, out: s.attention,
                    scratch: s.attentionScores, max_context: Int64(runner.maxModelLength), level: runner.attentionLevel,
                    num_tokens: Int64(tokens), num_heads: Int64(c.numHeads), num_kv_heads: Int64(c.numKVHeads),
                    head_dim: Int64(c.headDim), block_size: Int64(kvCache.blockSize),
                    max_blocks_per_seq: Int64(groups * batch.maxBlocksPerSequence), scale: spec.scale,
                    softcap: spec.softcap ?? 0, window: Int64(spec.window ?? 0), kv_type: kvCache.elementType,
                    k_scales: keyScales, v_scales: valueScales)
                sl_paged_attention(pool, &args)
            }
        }
    }

    // MARK: - Projections

    /// The packed-activation scratch laid out for inputs of `cols`.
    private func activations(cols: Int) -> sl_qact {
        var act = sl_qact()
        sl_qact_init(&act, s.packedActivations, Int64(runner.maxBatchTokens), Int64(cols))
        return act
    }

    /// Where one part of a projection goes: a buffer, its row stride, and whether to add into it.
    private typealias Destination = (buffer: UnsafeMutablePointer<Float>, stride: Int, accumulate: Bool)

    private func destination(_ targets: ProjectionTargets, _ index: Int) -> Destination? {
        let name = index == 0 ? targets.first : index == 1 ? targets.second : targets.third
        return name.map { let b = buffer($0); return (b.pointer, b.width, targets.accumulate) }
    }

    /// Runs each piece of a packed projection over `act` (quantized from `input` for the first piece);
    /// a piece of another activation format re-quantizes `input` first. Destinations are taken in order,
    /// as many per piece as it stacks matrices.
    private func gemm(_ projection: PackedProjection, _ act: sl_qact, input: (buffer: UnsafeMutablePointer<Float>, stride: Int),
                      _ targets: ProjectionTargets) {
        var act = act
        var next = 0
        for piece in projection.pieces {
            if piece.activationFormat != act.format {
                sl_quantize_act(pool, input.buffer, Int64(input.stride), Int64(tokens), piece.activationFormat, &act,
                                runner.gemmLevel)
            }
            let count = piece.rowRanges.count
            guard let head = destination(targets, next) else { preconditionFailure("a projection has more parts than targets") }
            gemm(piece, act, head, count > 1 ? destination(targets, next + 1) : nil,
                 count > 2 ? destination(targets, next + 2) : nil)
            next += count
        }
    }

    /// Runs a packed GEMM; each destination takes the next of `linear.rowRanges`. Up to three
    /// destinations, passed one by one so the per-layer calls build no array.
    private func gemm(_ linear: PackedLinear, _ act: sl_qact, _ first: Destination, _ second: Destination?,
                      _ third: Destination?) {
        func output(_ index: Int, _ destination: Destination) -> sl_gemm_output {
            let range = linear.rowRanges[index]
            return sl_gemm_output(y: destination.buffer, ldy: Int64(destination.stride), row_begin: Int64(range.lowerBound),
                                  row_end: Int64(range.upperBound), accumulate: destination.accumulate ? 1 : 0)
        }
        var outputs = (output(0, first), second.map { output(1, $0) } ?? sl_gemm_output(),
                       third.map { output(2, $0) } ?? sl_gemm_output())
        let count: Int32 = third != nil ? 3 : second != nil ? 2 : 1
        var matrix = linear.matrix
        var act = act
        withUnsafeMutableBytes(of: &outputs) {
            sl_gemm(pool, &matrix, &act, $0.baseAddress!.assumingMemoryBound(to: sl_gemm_output.self), count, runner.gemmLevel)
        }
    }

    /// The one-row path: each part into its destination; an accumulating target goes through `projected`.
    private func matmul(_ linear: Linear, _ input: UnsafeMutablePointer<Float>, _ targets: ProjectionTargets) {
        for (index, part) in linear.parts.enumerated() {
            guard let target = destination(targets, index) else { preconditionFailure("a projection has more parts than targets") }
            let out = target.accumulate ? s.projected : target.buffer
            precondition(!target.accumulate || target.buffer != s.projected, "cannot accumulate into the projection scratch")
            sl_matmul(pool, part.type, part.data, Int64(part.rows), Int64(part.cols), input, Int64(tokens), out,
                      s.quantized)
            if target.accumulate { sl_add(target.buffer, out, Int64(tokens * target.stride)) }
        }
    }

    private func addBiases(_ linear: Linear, _ targets: ProjectionTargets) {
        for (index, bias) in linear.biases.enumerated() {
            guard let bias, let target = destination(targets, index) else { continue }
            precondition(!target.accumulate, "a biased projection cannot add into its target")
            bias.withUnsafeBufferPointer { sl_add_bias(target.buffer, $0.baseAddress, Int64(tokens), Int64(target.stride)) }
        }
    }
}
