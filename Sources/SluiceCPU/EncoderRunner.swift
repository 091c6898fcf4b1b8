import CKernels
import Foundation
import SluiceModel

/// The CPU backend's encoder pass: runs a packed `EncoderBatch` through any `EncoderModel` on `CKernels`
/// and pools each input into one unit vector. Projections run on the packed GEMM (F16 weights included,
/// so nothing is re-quantized at load); attention is the decoder's paged-attention kernel over one layer's
/// worth of K/V, each token given its whole input as context (no causal mask, nothing kept between
/// passes). Every buffer is sized once, for the largest batch.
///
/// Not thread-safe: one owner (the embedding engine's thread) drives it.
public final class EncoderRunner: EncoderExecutor {
    public let model: any EncoderModel
    public let weights: PreparedWeights
    public let maxBatchTokens: Int
    public let maxBatchSequences: Int
    /// The packed GEMM's level; the scalar reference when set to `SL_LEVEL_SCALAR` (for tests).
    public var gemmLevel: sl_level = sl_packed_best_level()
    /// Whether F16 projections take fp16 products (`SL_ACT_F16_PRODUCTS`, sl_gemm.h) where the CPU runs them
    /// at `gemmLevel` (AVX512-FP16): twice the products per instruction of the f32 FMAs, which are nearly
    /// all an encoder's time, for sums that stay within the embeddings' tolerance (`EncoderModelTests`).
    /// Off, or elsewhere, they run on the f32 FMAs, as the decoders' F16 weights do.
    public var f16Products = true
    /// The attention kernel's level.
    public var attentionLevel: sl_level = SL_LEVEL_AVX512
    let pool: KernelThreadPool
    let scratch: Scratch
    /// Positions per K/V block of the one-layer attention memory.
    static let blockSize = 16

    /// - Parameters:
    ///   - maxBatchTokens: the most tokens one `embed` may carry (at least the longest input).
    ///   - maxBatchSequences: the most inputs one `embed` may carry.
    public init(model: any EncoderModel, maxBatchTokens: Int, maxBatchSequences: Int = 256,
                threadCount: Int = KernelThreadPool.defaultThreadCount, packWeights: Bool = PreparedWeights.packsWeights) {
        self.model = model
        weights = PreparedWeights(linears: model.linears, pack: packWeights)
        self.maxBatchTokens = max(1, maxBatchTokens)
        self.maxBatchSequences = max(1, min(maxBatchSequences, self.maxBatchTokens))
        pool = KernelThreadPool(threadCount: threadCount)
        scratch = Scratch(model: model, maxTokens: self.maxBatchTokens, maxSequences: self.maxBatchSequences,
                          threads: pool.threadCount)
    }

    public var configuration: EncoderConfiguration { model.configuration }
    /// Whether this pass's F16 projections run on fp16 products (`f16Products`, where the CPU has them).
    var usesF16Products: Bool { f16Products && sl_packed_f16_products(gemmLevel) != 0 }
    public var threadCount: Int { pool.threadCount }

    public func embed(_ batch: EncoderBatch) throws(ModelError) -> UnsafeBufferPointer<Float> {
        try validate(batch)
        let c = model.configuration
        let s = scratch
        let tokens = batch.numTokens
        let hidden = c.hiddenSize
        s.lay(out: batch)

        let common = model.common
        let table = common.tokenEmbedding
        let status = batch.tokenIDs.withUnsafeBufferPointer { ids in
            sl_get_rows(table.type, table.data, Int64(table.rows), Int64(hidden), ids.baseAddress, Int64(tokens), s.residual)
        }
        guard status == 0 else { throw .invalidBatch("embedding lookup failed") }
        if let row = common.tokenTypeRow {
            row.withUnsafeBufferPointer { sl_add_bias(s.residual, $0.baseAddress, Int64(tokens), Int64(hidden)) }
        }
        if let positions = common.positionEmbedding {
            guard sl_get_rows(positions.type, positions.data, Int64(positions.rows), Int64(hidden), s.positions, Int64(tokens),
                              s.projected) == 0 else { throw .invalidBatch("position lookup failed") }
            sl_add(s.residual, s.projected, Int64(tokens * hidden))
        }
        let ops = EncoderOps(runner: self, tokens: tokens, sequences: batch.numSequences)
        ops.layerNorm(.residual, common.embeddingNorm)
        for index in 0..<c.numLayers { model.runLayer(index, ops) }
        pool(batch)
        return UnsafeBufferPointer(start: s.pooled, count: batch.numSequences * hidden)
    }

    /// Each input's vector by the model's pooling, then scaled to unit length (as sentence-transformers'
    /// Normalize; llama.cpp's embeddings are normalized the same way).
    private func pool(_ batch: EncoderBatch) {
        let s = scratch
        let hidden = model.configuration.hiddenSize
        var first = 0
        for (index, length) in batch.lengths.enumerated() {
            let out = s.pooled + index * hidden
            switch model.configuration.pooling {
            case .cls: out.update(from: s.residual + first * hidden, count: hidden)
            case .last: out.update(from: s.residual + (first + length - 1) * hidden, count: hidden)
            case .mean:
                out.update(repeating: 0, count: hidden)
                for token in first..<(first + length) { sl_add(out, s.residual + token * hidden, Int64(hidden)) }
                sl_scale(out, 1 / Float(length), Int64(hidden))
            }
            var squares: Double = 0
            for i in 0..<hidden { squares += Double(out[i]) * Double(out[i]) }
            if squares > 0 { sl_scale(out, Float(1 / squares.squareRoot()), Int64(hidden)) }
            first += length
        }
    }

    private func validate(_ batch: EncoderBatch) throws(ModelError) {
        let c = model.configuration
        guard batch.numSequences > 0 else { throw .invalidBatch("no inputs") }
        guard batch.numTokens <= maxBatchTokens else { throw .batchTooLarge(tokens: batch.numTokens, capacity: maxBatchTokens) }
        guard batch.numSequences <= maxBatchSequences else {
            throw .invalidBatch("\(batch.numSequences) inputs; the runner was sized for \(maxBatchSequences)")
        }
        guard batch.lengths.reduce(0, +) == batch.numTokens else { throw .invalidBatch("lengths do not add up to the tokens") }
        if let bad = batch.lengths.first(where: { $0 < 1 || $0 > c.contextLength }) {
            throw .invalidBatch("an input of \(bad) tokens (each needs 1 to \(c.contextLength))")
        }
        if let bad = batch.tokenIDs.first(where: { $0 < 0 || Int($0) >= c.vocabularySize }) {
            throw .tokenOutOfRange(token: Int(bad), vocabularySize: c.vocabularySize)
        }
    }
}

extension CPUBackend: EncoderBackend {
    public func makeEncoderExecutor(for model: any EncoderModel, maxBatchTokens: Int, maxBatchSequences: Int) -> any EncoderExecutor {
        EncoderRunner(model: model, maxBatchTokens: maxBatchTokens, maxBatchSequences: maxBatchSequences,
                      threadCount: threadCount, packWeights: packWeights)
    }
}
