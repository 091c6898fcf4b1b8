import CKernels
import Foundation
import Testing

@Suite("Paged attention")
struct PagedAttentionTests {
    /// One attention problem: `sequences` sequences whose K/V live in scattered blocks of a shared pool.
    struct Problem {
        static let numHeads = 6, numKVHeads = 2, headDim = 40, blockSize = 4
        var numHeads: Int { Self.numHeads }
        var numKVHeads: Int { Self.numKVHeads }
        var headDim: Int { Self.headDim }
        var blockSize: Int { Self.blockSize }
        let contextLengths: [Int32]
        let tokenSequence: [Int32]
        let blockTables: [Int32]
        let maxBlocks: Int
        let q: [Float]
        let keys: [UInt16]
        let values: [UInt16]

        init(rng: inout SeededGenerator) {
            let sequenceLengths = [1, 7, 13]
            maxBlocks = (sequenceLengths.max()! + Self.blockSize - 1) / Self.blockSize
            let numBlocks = sequenceLengths.map { ($0 + Self.blockSize - 1) / Self.blockSize }.reduce(0, +) + 1
            var ids = Array(1..<Int32(numBlocks))
            ids.shuffle(using: &rng)
            var tables: [Int32] = []
            var lengths: [Int32] = [], sequences: [Int32] = []
            for (index, length) in sequenceLengths.enumerated() {
                let count = (length + Self.blockSize - 1) / Self.blockSize
                tables += ids.prefix(count) + [Int32](repeating: 0, count: maxBlocks - count)
                ids.removeFirst(count)
                // Each sequence contributes its last three positions (fewer when shorter) as query tokens.
                for position in max(0, length - 3)..<length {
                    lengths.append(Int32(position + 1))
                    sequences.append(Int32(index))
                }
            }
            blockTables = tables
            contextLengths = lengths
            tokenSequence = sequences
            q = randomFloats(lengths.count * Self.numHeads * Self.headDim, in: -2...2, using: &rng)
            let slots = numBlocks * Self.blockSize * Self.numKVHeads * Self.headDim
            keys = randomFloats(slots, in: -2...2, using: &rng).map { sl_fp32_to_fp16($0) }
            values = randomFloats(slots, in: -2...2, using: &rng).map { sl_fp32_to_fp16($0) }
        }

        func run(level: sl_level) -> [Float] {
            var out = [Float](repeating: .nan, count: q.count)
            let maxContext = Int(contextLengths.max()!)
            var scratch = [Float](repeating: 0, count: 2 * (numHeads / numKVHeads) * maxContext)
            let pool = sl_threadpool_create(2)
            defer { sl_threadpool_free(pool) }
            q.withUnsafeBufferPointer { q in
                keys.withUnsafeBufferPointer { k in
                    values.withUnsafeBufferPointer { v in
                        blockTables.withUnsafeBufferPointer { tables in
                            tokenSequence.withUnsafeBufferPointer { sequences in
                                contextLengths.withUnsafeBufferPointer { lengths in
                                    out.withUnsafeMutableBufferPointer { out in
                                        scratch.withUnsafeMutableBufferPointer { scratch in
                                            var args = sl_attention_args(
                                                q: q.baseAddress, k_cache: k.baseAddress, v_cache: v.baseAddress,
                                                block_tables: tables.baseAddress, token_seq: sequences.baseAddress,
                                                context_lens: lengths.baseAddress, out: out.baseAddress,
                                                scratch: scratch.baseAddress, max_context: Int64(maxContext), level: level,
                                                num_tokens: Int64(contextLengths.count), num_heads: Int64(numHeads),
                                                num_kv_heads: Int64(numKVHeads), head_dim: Int64(headDim),
                                                block_size: Int64(blockSize), max_blocks_per_seq: Int64(maxBlocks),
                                                scale: 1 / Float(headDim).squareRoot())
                                            sl_paged_attention(pool, &args)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return out
        }

        /// Textbook attention in double precision over K/V gathered through the block tables.
        func naive() -> [Float] {
            var out: [Float] = []
            let group = numHeads / numKVHeads
            for t in 0..<contextLengths.count {
                let table = blockTables[(Int(tokenSequence[t]) * maxBlocks)...]
                for h in 0..<numHeads {
                    let kvHead = h / group
                    func row(_ cache: [UInt16], _ j: Int) -> [Double] {
                        let slot = Int(table[table.startIndex + j / blockSize]) * blockSize + j % blockSize
                        let base = (slot * numKVHeads + kvHead) * headDim
                        return (0..<headDim).map { Double(sl_fp16_to_fp32(cache[base + $0])) }
                    }
                    let qh = (0..<headDim).map { Double(q[(t * numHeads + h) * headDim + $0]) }
                    let n = Int(contextLengths[t])
                    let scores = (0..<n).map { j in zip(qh, row(keys, j)).map(*).reduce(0, +) / Double(headDim).squareRoot() }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    var acc = [Double](repeating: 0, count: headDim)
                    for j in 0..<n {
                        let v = row(values, j)
                        for d in 0..<headDim { acc[d] += weights[j] / total * v[d] }
                    }
                    out += acc.map { Float($0) }
                }
            }
            return out
        }
    }

    @Test("the reference kernel equals textbook attention over the gathered blocks, within f16 rounding")
    func referenceMatchesTextbook() {
        var rng = SeededGenerator()
        let problem = Problem(rng: &rng)
        let ours = problem.run(level: SL_LEVEL_SCALAR)
        let expected = problem.naive()
        let worst = zip(ours, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 5e-3, "largest difference \(worst), seed \(rng.seed)")
    }

    @Test("every SIMD level equals the scalar reference on fresh random data")
    func simdMatchesReference() {
        var rng = SeededGenerator()
        let problem = Problem(rng: &rng)
        let reference = problem.run(level: SL_LEVEL_SCALAR)
        for level in [SL_LEVEL_AVX2, SL_LEVEL_AVX512] {
            let simd = problem.run(level: level)
            let worst = zip(simd, reference).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-4, "level \(level.rawValue): largest difference \(worst), seed \(rng.seed)")
        }
    }
}
