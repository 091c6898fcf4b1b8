import SluiceModel
import CKernels

extension ModelRunner {
    /// Activation buffers for the largest batch, allocated once.
    final class Scratch {
        let residual, normed, query, key, value, attention, projected, gate, up, logits: UnsafeMutablePointer<Float>
        /// Per-thread attention scores, `[threads, queryGroupSize, maxModelLength]`.
        let attentionScores: UnsafeMutablePointer<Float>
        let contextLengths: UnsafeMutablePointer<Int32>
        /// Each KV-cache group's slots of the batch's tokens, `[groups, maxTokens]`, gathered from the
        /// batch's token-major slot mapping once per step (for models with more than one group).
        let groupSlots: UnsafeMutablePointer<Int64>
        let quantized: UnsafeMutableRawPointer
        /// Quantized activations for the packed GEMM, sized for the widest input of the largest batch.
        let packedActivations: UnsafeMutableRawPointer
        private let owned: [UnsafeMutablePointer<Float>]

        init(model: any DecoderModel, maxTokens: Int, maxLogitRows: Int, attentionScores scoreCount: Int, numKVGroups: Int) {
            let c = model.configuration
            func floats(_ width: Int, rows: Int = maxTokens) -> UnsafeMutablePointer<Float> {
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: width * rows)
                buffer.initialize(repeating: 0, count: width * rows)
                return buffer
            }
            residual = floats(c.hiddenSize)
            normed = floats(c.hiddenSize)
            query = floats(c.queryDim)
            key = floats(c.kvDim)
            value = floats(c.kvDim)
            attention = floats(c.queryDim)
            projected = floats(c.hiddenSize)
            gate = floats(c.intermediateSize)
            up = floats(c.intermediateSize)
            logits = floats(c.vocabularySize, rows: maxLogitRows)
            attentionScores = floats(scoreCount, rows: 1)
            owned = [residual, normed, query, key, value, attention, projected, gate, up, logits, attentionScores]
            contextLengths = .allocate(capacity: maxTokens)
            contextLengths.initialize(repeating: 0, count: maxTokens)
            groupSlots = .allocate(capacity: numKVGroups * maxTokens)
            groupSlots.initialize(repeating: -1, count: numKVGroups * maxTokens)
            let matrices = [model.embedding.table] + model.linears.flatMap(\.parts)
            let bytes = matrices.map { sl_matmul_scratch_size($0.type, Int64($0.cols), Int64(maxTokens)) }.max() ?? 0
            quantized = .allocate(byteCount: max(64, bytes), alignment: 64)
            let widest = [c.hiddenSize, c.queryDim, c.intermediateSize].map {
                sl_qact_size(Int64(maxTokens), Int64($0))
            }.max() ?? 0
            packedActivations = .allocate(byteCount: max(64, widest), alignment: 64)
        }

        deinit {
            owned.forEach { $0.deallocate() }
            contextLengths.deallocate()
            groupSlots.deallocate()
            quantized.deallocate()
            packedActivations.deallocate()
        }
    }
}
