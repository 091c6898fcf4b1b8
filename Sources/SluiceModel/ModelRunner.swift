import CKernels

/// Runs one batched forward pass per step over a `ForwardBatch`, owning the KV-cache memory and
/// every scratch buffer (sized once, so nothing allocates in the step loop: ARCHITECTURE.md, decision 9).
///
/// Not thread-safe: one owner (the engine core's thread) drives it.
public final class ModelRunner {
    public let model: LlamaModel
    public let kvCache: KVCacheStorage
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
    public init(model: LlamaModel, numBlocks: Int, blockSize: Int, maxBatchTokens: Int, maxLogitRows: Int? = nil,
                maxModelLength: Int? = nil, threadCount: Int = KernelThreadPool.defaultThreadCount) {
        self.model = model
        self.maxBatchTokens = max(1, maxBatchTokens)
        // Logit rows are tokens of the batch, so there are never more of them than tokens (the final
        // norm and LM head reuse the per-token scratch).
        self.maxLogitRows = min(max(1, maxLogitRows ?? maxBatchTokens), self.maxBatchTokens)
        self.maxModelLength = max(1, maxModelLength ?? model.configuration.contextLength)
        kvCache = KVCacheStorage(configuration: model.configuration, numBlocks: numBlocks, blockSize: blockSize)
        pool = KernelThreadPool(threadCount: threadCount)
        scratch = Scratch(model: model, maxTokens: self.maxBatchTokens, maxLogitRows: self.maxLogitRows,
                          attentionScores: pool.threadCount * Int(SL_ATTENTION_MAX_ROWS)
                              * Int(sl_attention_scores_stride(Int64(self.maxModelLength))))
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

        let status = batch.tokenIDs.withUnsafeBufferPointer { ids in
            sl_get_rows(model.tokenEmbedding.type, model.tokenEmbedding.data, Int64(model.tokenEmbedding.rows),
                        Int64(hidden), ids.baseAddress, Int64(tokens), s.residual)
        }
        guard status == 0 else { throw .invalidBatch("embedding lookup failed") }

        for (layerIndex, layer) in model.layers.enumerated() {
            attention(layer: layer, index: layerIndex, batch: batch)
            feedForward(layer: layer, tokens: tokens)
        }

        // Only the rows that sample go through the final norm and the LM head.
        let rows = batch.logitIndices.count
        for (row, index) in batch.logitIndices.enumerated() {
            (s.normed + row * hidden).update(from: s.residual + Int(index) * hidden, count: hidden)
        }
        if let head = model.packedOutput {
            let act = normQuantize(s.normed, weight: model.outputNorm, tokens: rows, for: head)
            project(head, act, input: (s.normed, hidden), tokens: rows, (s.logits, config.vocabularySize, false))
        } else {
            model.outputNorm.withUnsafeBufferPointer {
                sl_rmsnorm(s.normed, $0.baseAddress, s.normed, Int64(rows), Int64(hidden), config.rmsNormEps)
            }
            matmul(model.output, s.normed, tokens: rows, into: s.logits)
        }
        return UnsafeBufferPointer(start: s.logits, count: rows * config.vocabularySize)
    }

    private func attention(layer: LlamaLayer, index: Int, batch: ForwardBatch) {
        let config = model.configuration
        let s = scratch
        let tokens = batch.numTokens
        if let qkv = layer.packed?.qkv {
            let act = normQuantize(s.residual, weight: layer.attentionNorm, tokens: tokens, for: qkv)
            project(qkv, act, input: (s.normed, config.hiddenSize), tokens: tokens, (s.query, config.queryDim, false),
                    (s.key, config.kvDim, false), (s.value, config.kvDim, false))
        } else {
            layer.attentionNorm.withUnsafeBufferPointer {
                sl_rmsnorm(s.residual, $0.baseAddress, s.normed, Int64(tokens), Int64(config.hiddenSize), config.rmsNormEps)
            }
            matmul(layer.query, s.normed, tokens: tokens, into: s.query)
            matmul(layer.key, s.normed, tokens: tokens, into: s.key)
            matmul(layer.value, s.normed, tokens: tokens, into: s.value)
        }
        addBias(layer.queryBias, to: s.query, rows: tokens, width: config.queryDim)
        addBias(layer.keyBias, to: s.key, rows: tokens, width: config.kvDim)
        addBias(layer.valueBias, to: s.value, rows: tokens, width: config.kvDim)
        let neox: Int32 = config.ropeStyle == .neox ? 1 : 0
        batch.positions.withUnsafeBufferPointer { positions in
            sl_rope(s.query, positions.baseAddress, Int64(tokens), Int64(config.numHeads), Int64(config.headDim),
                    Int64(config.ropeDim), config.ropeFreqBase, neox)
            sl_rope(s.key, positions.baseAddress, Int64(tokens), Int64(config.numKVHeads), Int64(config.headDim),
                    Int64(config.ropeDim), config.ropeFreqBase, neox)
        }
        let keyCache = kvCache.keys(layer: index)
        let valueCache = kvCache.values(layer: index)
        batch.slotMapping.withUnsafeBufferPointer {
            sl_kv_cache_write(s.key, s.value, keyCache, valueCache, $0.baseAddress, Int64(tokens),
                              Int64(config.numKVHeads), Int64(config.headDim), Int64(kvCache.blockSize))
        }
        batch.blockTables.withUnsafeBufferPointer { tables in
            batch.sequenceIndices.withUnsafeBufferPointer { sequences in
                var args = sl_attention_args(
                    q: s.query, k_cache: keyCache, v_cache: valueCache, block_tables: tables.baseAddress,
                    token_seq: sequences.baseAddress, context_lens: s.contextLengths, out: s.attention,
                    scratch: s.attentionScores, max_context: Int64(maxModelLength), level: attentionLevel,
                    num_tokens: Int64(tokens), num_heads: Int64(config.numHeads), num_kv_heads: Int64(config.numKVHeads),
                    head_dim: Int64(config.headDim), block_size: Int64(kvCache.blockSize),
                    max_blocks_per_seq: Int64(batch.maxBlocksPerSequence),
                    scale: 1 / Float(config.headDim).squareRoot())
                sl_paged_attention(pool.pool, &args)
            }
        }
        if let output = layer.packed?.attentionOutput {
            var act = activations(cols: output.cols)
            sl_quantize_act(pool.pool, s.attention, Int64(config.queryDim), Int64(tokens),
                            output.activationFormat, &act, gemmLevel)
            // The residual add is fused: the GEMM adds into the residual stream.
            project(output, act, input: (s.attention, config.queryDim), tokens: tokens, (s.residual, config.hiddenSize, true))
        } else {
            matmul(layer.attentionOutput, s.attention, tokens: tokens, into: s.projected)
            sl_add(s.residual, s.projected, Int64(tokens * config.hiddenSize))
        }
    }

    private func feedForward(layer: LlamaLayer, tokens: Int) {
        let config = model.configuration
        let s = scratch
        let width = config.intermediateSize
        if let gateUp = layer.packed?.gateUp {
            let act = normQuantize(s.residual, weight: layer.feedForwardNorm, tokens: tokens, for: gateUp)
            project(gateUp, act, input: (s.normed, config.hiddenSize), tokens: tokens, (s.gate, width, false),
                    (s.up, width, false))
        } else {
            layer.feedForwardNorm.withUnsafeBufferPointer {
                sl_rmsnorm(s.residual, $0.baseAddress, s.normed, Int64(tokens), Int64(config.hiddenSize), config.rmsNormEps)
            }
            matmul(layer.gate, s.normed, tokens: tokens, into: s.gate)
            matmul(layer.up, s.normed, tokens: tokens, into: s.up)
        }
        if let down = layer.packed?.down {
            // SwiGLU and the down projection's quantization in one pass; the residual add in the GEMM.
            var act = activations(cols: down.cols)
            sl_swiglu_quantize(pool.pool, s.gate, s.up, Int64(width), Int64(tokens), down.activationFormat,
                               &act, gemmLevel)
            project(down, act, input: (s.gate, width), tokens: tokens, (s.residual, config.hiddenSize, true))
        } else {
            sl_swiglu(s.gate, s.up, s.gate, Int64(tokens * width))
            matmul(layer.down, s.gate, tokens: tokens, into: s.projected)
            sl_add(s.residual, s.projected, Int64(tokens * config.hiddenSize))
        }
    }

    /// The packed-activation scratch laid out for inputs of `cols`.
    private func activations(cols: Int) -> sl_qact {
        var act = sl_qact()
        sl_qact_init(&act, scratch.packedActivations, Int64(maxBatchTokens), Int64(cols))
        return act
    }

    /// RMSNorm of `tokens` rows of `input` into the `normed` scratch, quantized for `weight` in the same pass.
    private func normQuantize(_ input: UnsafeMutablePointer<Float>, weight norm: [Float], tokens: Int,
                              for projection: PackedProjection) -> sl_qact {
        var act = activations(cols: projection.cols)
        norm.withUnsafeBufferPointer {
            sl_rmsnorm_quantize(pool.pool, input, $0.baseAddress, model.configuration.rmsNormEps, scratch.normed,
                                Int64(tokens), projection.activationFormat, &act, gemmLevel)
        }
        return act
    }

    /// Runs each piece of a packed projection over `act` (quantized from `input` for the first piece);
    /// a piece of another activation format re-quantizes `input` first. Destinations are taken in order,
    /// as many per piece as it stacks matrices; passed one by one so the per-layer calls build no array.
    private func project(_ projection: PackedProjection, _ act: sl_qact,
                         input: (buffer: UnsafeMutablePointer<Float>, stride: Int), tokens: Int,
                         _ first: Destination, _ second: Destination? = nil, _ third: Destination? = nil) {
        var act = act
        var next = 0
        func destination(_ index: Int) -> Destination? { index == 0 ? first : index == 1 ? second : third }
        for piece in projection.pieces {
            if piece.activationFormat != act.format {
                sl_quantize_act(pool.pool, input.buffer, Int64(input.stride), Int64(tokens), piece.activationFormat,
                                &act, gemmLevel)
            }
            let count = piece.rowRanges.count
            guard let head = destination(next) else { preconditionFailure("a packed projection has more parts than destinations") }
            gemm(piece, act, head, count > 1 ? destination(next + 1) : nil, count > 2 ? destination(next + 2) : nil)
            next += count
        }
    }

    /// Where one part of a packed GEMM goes: a buffer, its row stride, and whether to add into it.
    private typealias Destination = (buffer: UnsafeMutablePointer<Float>, stride: Int, accumulate: Bool)

    /// Runs a packed GEMM; each destination takes the next of `linear.rowRanges`. Up to three
    /// destinations, passed one by one so the per-layer calls build no array.
    private func gemm(_ linear: PackedLinear, _ act: sl_qact, _ first: Destination, _ second: Destination? = nil,
                      _ third: Destination? = nil) {
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
            sl_gemm(pool.pool, &matrix, &act, $0.baseAddress!.assumingMemoryBound(to: sl_gemm_output.self), count, gemmLevel)
        }
    }

    private func matmul(_ weight: WeightMatrix, _ input: UnsafeMutablePointer<Float>, tokens: Int,
                        into output: UnsafeMutablePointer<Float>) {
        sl_matmul(pool.pool, weight.type, weight.data, Int64(weight.rows), Int64(weight.cols), input,
                  Int64(tokens), output, scratch.quantized)
    }

    private func addBias(_ bias: [Float]?, to x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        guard let bias else { return }
        bias.withUnsafeBufferPointer { sl_add_bias(x, $0.baseAddress, Int64(rows), Int64(width)) }
    }
}
