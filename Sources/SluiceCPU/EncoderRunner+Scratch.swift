import CKernels
import SluiceModel

extension EncoderRunner {
    /// Activation buffers, one layer's K/V memory and the batch's attention layout, for the largest batch,
    /// allocated once.
    final class Scratch {
        let residual, query, key, value, attention, projected, gate, up, pooled: UnsafeMutablePointer<Float>
        /// Per-thread attention scores.
        let attentionScores: UnsafeMutablePointer<Float>
        /// The longest context the scores scratch holds.
        let maxContext: Int
        /// One layer's K and V, f16, in the paged kernel's layout (`numBlocks` blocks of `blockSize`).
        let keyCache, valueCache: UnsafeMutableRawPointer
        /// [tokens] each token's position within its input.
        let positions: UnsafeMutablePointer<Int32>
        /// [tokens] each token's input length: it attends to all of it.
        let contextLengths: UnsafeMutablePointer<Int32>
        /// [tokens] each token's input (its row of `blockTables`).
        let sequenceIndices: UnsafeMutablePointer<Int32>
        /// [tokens] where each token's K/V goes.
        let slotMapping: UnsafeMutablePointer<Int64>
        /// [sequences, maxBlocksPerSequence] (the stride set per batch).
        let blockTables: UnsafeMutablePointer<Int32>
        private(set) var maxBlocksPerSequence = 1
        let quantized: UnsafeMutableRawPointer
        let packedActivations: UnsafeMutableRawPointer
        private let owned: [UnsafeMutablePointer<Float>]
        private let blockCapacity: Int

        init(model: any EncoderModel, maxTokens: Int, maxSequences: Int, threads: Int) {
            let c = model.configuration
            func floats(_ width: Int, rows: Int = maxTokens) -> UnsafeMutablePointer<Float> {
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: width * rows)
                buffer.initialize(repeating: 0, count: width * rows)
                return buffer
            }
            residual = floats(c.hiddenSize)
            query = floats(c.hiddenSize)
            key = floats(c.hiddenSize)
            value = floats(c.hiddenSize)
            attention = floats(c.hiddenSize)
            projected = floats(c.hiddenSize)
            gate = floats(c.intermediateSize)
            up = floats(c.intermediateSize)
            pooled = floats(c.hiddenSize, rows: maxSequences)
            maxContext = min(maxTokens, c.contextLength)
            attentionScores = floats(threads * Int(SL_ATTENTION_MAX_ROWS) * Int(sl_attention_scores_stride(Int64(maxContext))), rows: 1)
            owned = [residual, query, key, value, attention, projected, gate, up, pooled, attentionScores]
            // Each input rounds up to whole blocks: at most one partial block per input beyond the tokens'.
            blockCapacity = maxTokens / EncoderRunner.blockSize + maxSequences + 1
            let cacheBytes = blockCapacity * EncoderRunner.blockSize * c.hiddenSize * sl_kv_element_size(SL_TYPE_F16)
            keyCache = .allocate(byteCount: cacheBytes, alignment: 64)
            valueCache = .allocate(byteCount: cacheBytes, alignment: 64)
            positions = .allocate(capacity: maxTokens)
            contextLengths = .allocate(capacity: maxTokens)
            sequenceIndices = .allocate(capacity: maxTokens)
            slotMapping = .allocate(capacity: maxTokens)
            let blocksPerSequence = (maxContext + EncoderRunner.blockSize - 1) / EncoderRunner.blockSize
            blockTables = .allocate(capacity: maxSequences * blocksPerSequence)
            let matrices = model.linears.flatMap(\.parts)
            let bytes = matrices.map { sl_matmul_scratch_size($0.type, Int64($0.cols), Int64(maxTokens)) }.max() ?? 0
            quantized = .allocate(byteCount: max(64, bytes), alignment: 64)
            let widest = [c.hiddenSize, c.intermediateSize].map { sl_qact_size(Int64(maxTokens), Int64($0)) }.max() ?? 0
            packedActivations = .allocate(byteCount: max(64, widest), alignment: 64)
        }

        deinit {
            owned.forEach { $0.deallocate() }
            keyCache.deallocate()
            valueCache.deallocate()
            positions.deallocate()
            contextLengths.deallocate()
            sequenceIndices.deallocate()
            slotMapping.deallocate()
            blockTables.deallocate()
            quantized.deallocate()
            packedActivations.deallocate()
        }

        /// Fills the per-token layout of `batch`: positions restart at each input, each input's blocks follow
        /// the previous input's, and every token's context is its whole input.
        func lay(out batch: EncoderBatch) {
            let blockSize = EncoderRunner.blockSize
            let longest = batch.lengths.max() ?? 1
            maxBlocksPerSequence = (longest + blockSize - 1) / blockSize
            var token = 0
            var nextBlock: Int32 = 0
            for (sequence, length) in batch.lengths.enumerated() {
                let blocks = (length + blockSize - 1) / blockSize
                let row = blockTables + sequence * maxBlocksPerSequence
                for block in 0..<maxBlocksPerSequence { row[block] = block < blocks ? nextBlock + Int32(block) : 0 }
                for position in 0..<length {
                    positions[token] = Int32(position)
                    contextLengths[token] = Int32(length)
                    sequenceIndices[token] = Int32(sequence)
                    slotMapping[token] = Int64(nextBlock) * Int64(blockSize) + Int64(position)
                    token += 1
                }
                nextBlock += Int32(blocks)
            }
        }
    }
}
