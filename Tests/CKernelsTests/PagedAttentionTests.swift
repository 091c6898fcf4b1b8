import CKernels
import Foundation
import Testing

@Suite("Paged attention")
struct PagedAttentionTests {
    /// One attention problem: `sequences` sequences whose K/V live in scattered blocks of a shared pool.
    struct Problem {
        static let numHeads = 6, numKVHeads = 2
        var numHeads: Int { Self.numHeads }
        var numKVHeads: Int { Self.numKVHeads }
        let headDim: Int
        let blockSize: Int
        var contextLengths: [Int32]
        var tokenSequence: [Int32]
        let blockTables: [Int32]
        let maxBlocks: Int
        var q: [Float]
        /// K and V in the logical layout [slot, kvHead, headDim]; `run` stores K transposed per block as the cache does.
        let keys: [UInt16]
        let values: [UInt16]
        /// Sliding window (0: none) and score soft-cap (0: none).
        var window = 0
        var softcap: Float = 0

        /// Sequences of several lengths, each contributing its last positions as query tokens (a prefill run of
        /// 20 tokens for the longest, so runs span several tasks), with K/V in shuffled blocks of the pool.
        init(headDim: Int = 40, blockSize: Int = 4, rng: inout SeededGenerator) {
            self.headDim = headDim
            self.blockSize = blockSize
            let sequenceLengths = [1, 7, 13, 70]
            let queries = [1, 3, 3, 20]
            maxBlocks = (sequenceLengths.max()! + blockSize - 1) / blockSize
            let numBlocks = sequenceLengths.map { ($0 + blockSize - 1) / blockSize }.reduce(0, +) + 1
            var ids = Array(1..<Int32(numBlocks))
            ids.shuffle(using: &rng)
            var tables: [Int32] = []
            var lengths: [Int32] = [], sequences: [Int32] = []
            for (index, length) in sequenceLengths.enumerated() {
                let count = (length + blockSize - 1) / blockSize
                tables += ids.prefix(count) + [Int32](repeating: 0, count: maxBlocks - count)
                ids.removeFirst(count)
                for position in max(0, length - queries[index])..<length {
                    lengths.append(Int32(position + 1))
                    sequences.append(Int32(index))
                }
            }
            blockTables = tables
            contextLengths = lengths
            tokenSequence = sequences
            q = randomFloats(lengths.count * Self.numHeads * headDim, in: -2...2, using: &rng)
            let slots = numBlocks * blockSize * Self.numKVHeads * headDim
            keys = randomFloats(slots, in: -2...2, using: &rng).map { sl_fp32_to_fp16($0) }
            values = randomFloats(slots, in: -2...2, using: &rng).map { sl_fp32_to_fp16($0) }
        }

        /// K in the cache's layout: each block transposed to [kvHead, headDim, blockSize].
        var transposedKeys: [UInt16] {
            var out = keys
            let kvDim = numKVHeads * headDim
            for slot in 0..<(keys.count / kvDim) {
                let block = slot / blockSize, offset = slot % blockSize
                for i in 0..<kvDim { out[(block * kvDim + i) * blockSize + offset] = keys[slot * kvDim + i] }
            }
            return out
        }

        /// The cache in `type`, written by the kernels' own cache writer from the f16 values (as floats).
        func cache(_ type: sl_type) -> (keys: [UInt8], values: [UInt8], keyScales: [UInt16], valueScales: [UInt16]) {
            let slots = keys.count / (numKVHeads * headDim)
            let size = sl_kv_element_size(type)
            var k = [UInt8](repeating: 0, count: keys.count * size), v = k
            var ks = [UInt16](repeating: 0, count: max(1, keys.count / 32)), vs = ks
            let floatKeys = keys.map { sl_fp16_to_fp32($0) }, floatValues = values.map { sl_fp16_to_fp32($0) }
            let mapping = (0..<slots).map { Int64($0) }
            k.withUnsafeMutableBytes { kb in
                v.withUnsafeMutableBytes { vb in
                    ks.withUnsafeMutableBufferPointer { ksb in
                        vs.withUnsafeMutableBufferPointer { vsb in
                            sl_kv_cache_write_typed(type, floatKeys, floatValues, kb.baseAddress, vb.baseAddress, ksb.baseAddress,
                                                    vsb.baseAddress, mapping, Int64(slots), Int64(numKVHeads), Int64(headDim),
                                                    Int64(blockSize))
                        }
                    }
                }
            }
            return (k, v, ks, vs)
        }

        func run(level: sl_level, kvType: sl_type = SL_TYPE_F16, threads: Int = 2) -> [Float] {
            var out = [Float](repeating: .nan, count: q.count)
            let maxContext = Int(contextLengths.max()!)
            let stride = Int(sl_attention_scores_stride(Int64(maxContext)))
            var scratch = [Float](repeating: 0, count: threads * Int(SL_ATTENTION_MAX_ROWS) * stride)
            let pool = sl_threadpool_create(Int32(threads))
            defer { sl_threadpool_free(pool) }
            let typed = cache(kvType)
            q.withUnsafeBufferPointer { q in
                typed.keys.withUnsafeBufferPointer { k in
                    typed.values.withUnsafeBufferPointer { v in
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
                                                scale: 1 / Float(headDim).squareRoot(), softcap: softcap,
                                                window: Int64(window), kv_type: kvType, k_scales: nil, v_scales: nil)
                                            typed.keyScales.withUnsafeBufferPointer { ks in
                                                typed.valueScales.withUnsafeBufferPointer { vs in
                                                    args.k_scales = ks.baseAddress
                                                    args.v_scales = vs.baseAddress
                                                    sl_paged_attention(pool, &args)
                                                }
                                            }
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
                    let first = window > 0 ? max(0, n - window) : 0
                    let scores = (first..<n).map { j -> Double in
                        let score = zip(qh, row(keys, j)).map(*).reduce(0, +) / Double(headDim).squareRoot()
                        return softcap > 0 ? Double(softcap) * tanh(score / Double(softcap)) : score
                    }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    var acc = [Double](repeating: 0, count: headDim)
                    for (i, j) in (first..<n).enumerated() {
                        let v = row(values, j)
                        for d in 0..<headDim { acc[d] += weights[i] / total * v[d] }
                    }
                    out += acc.map { Float($0) }
                }
            }
            return out
        }
    }

    @Test("the reference kernel equals textbook attention over the gathered blocks, within f16 rounding",
          arguments: [(40, 4), (64, 16)])
    func referenceMatchesTextbook(headDim: Int, blockSize: Int) {
        var rng = SeededGenerator()
        let problem = Problem(headDim: headDim, blockSize: blockSize, rng: &rng)
        let ours = problem.run(level: SL_LEVEL_SCALAR)
        let expected = problem.naive()
        let worst = zip(ours, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 5e-3, "largest difference \(worst), seed \(rng.seed)")
    }

    /// Head dims 64 and 128 with 16-slot blocks take the AVX-512 run kernel, and at the AVX2 level (f16) the
    /// AVX2 kernel; 40 and 4-slot blocks the per-token one.
    @Test("every SIMD level equals the scalar reference on fresh random data",
          arguments: [(40, 4), (64, 16), (128, 32), (64, 4)])
    func simdMatchesReference(headDim: Int, blockSize: Int) {
        var rng = SeededGenerator()
        let problem = Problem(headDim: headDim, blockSize: blockSize, rng: &rng)
        let reference = problem.run(level: SL_LEVEL_SCALAR)
        for level in [SL_LEVEL_AVX2, SL_LEVEL_AVX512] {
            let simd = problem.run(level: level)
            let worst = zip(simd, reference).map { abs($0 - $1) }.max()!
            // Sums in another order can round a softmax weight to the neighbouring f16 (2^-11 relative):
            // with |v| <= 2 that moves an output by up to about 1e-3. A wrong position, mask or head moves it by
            // tenths.
            #expect(worst < 1e-3, "level \(level.rawValue): largest difference \(worst), seed \(rng.seed)")
        }
    }

    /// Windows shorter than the longest sequences (70 positions) and than its 20-token prefill run, and a
    /// soft-cap tight enough to change the weights; head dim 256 (Gemma 3) takes the AVX-512 run kernel too.
    @Test("a sliding window and a soft-cap: the reference equals textbook attention, every SIMD level the reference",
          arguments: [(40, 4, 5, Float(0)), (64, 16, 24, Float(0)), (256, 16, 9, Float(0)), (64, 16, 0, Float(1.5)),
                      (128, 16, 33, Float(2))])
    func windowAndSoftcap(headDim: Int, blockSize: Int, window: Int, softcap: Float) {
        var rng = SeededGenerator()
        var problem = Problem(headDim: headDim, blockSize: blockSize, rng: &rng)
        problem.window = window
        problem.softcap = softcap
        let reference = problem.run(level: SL_LEVEL_SCALAR)
        let expected = problem.naive()
        let worst = zip(reference, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 5e-3, "reference vs textbook: largest difference \(worst), seed \(rng.seed)")
        var full = problem
        full.window = 0
        full.softcap = 0
        let change = zip(reference, full.run(level: SL_LEVEL_SCALAR)).map { abs($0 - $1) }.max()!
        #expect(change > 0.01, "the window or cap must change the result (largest change \(change))")
        for level in [SL_LEVEL_AVX2, SL_LEVEL_AVX512] {
            let simd = problem.run(level: level)
            let worst = zip(simd, reference).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-3, "level \(level.rawValue): largest difference \(worst), seed \(rng.seed)")
        }
    }

    /// Q8_0 keeps 8 bits and a scale per 32 dims, bf16 8 bits of mantissa: both stay near f16's result, and
    /// every SIMD level matches the scalar reference on them (head dims 64 to 256 take the AVX-512 kernel).
    @Test("a bf16 or Q8_0 cache: close to f16, and every SIMD level equals the scalar reference",
          arguments: [(SL_TYPE_Q8_0, 64, 16), (SL_TYPE_Q8_0, 128, 32), (SL_TYPE_Q8_0, 256, 16), (SL_TYPE_Q8_0, 32, 4),
                      (SL_TYPE_BF16, 64, 16), (SL_TYPE_BF16, 40, 4)])
    func quantizedCache(type: sl_type, headDim: Int, blockSize: Int) {
        var rng = SeededGenerator()
        var problem = Problem(headDim: headDim, blockSize: blockSize, rng: &rng)
        problem.window = headDim == 128 ? 24 : 0
        let f16 = problem.run(level: SL_LEVEL_SCALAR)
        let reference = problem.run(level: SL_LEVEL_SCALAR, kvType: type)
        let drift = zip(f16, reference).map { abs($0 - $1) }.max()!
        // |K|, |V| <= 2: Q8_0 rounds each to 2/127 / 2, bf16 to 2^-8 relative.
        #expect(drift < 0.05 && drift > 0, "type \(type.rawValue): largest difference from f16 \(drift)")
        for level in [SL_LEVEL_AVX2, SL_LEVEL_AVX512] {
            let simd = problem.run(level: level, kvType: type)
            let worst = zip(simd, reference).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-3, "type \(type.rawValue) level \(level.rawValue): largest difference \(worst), seed \(rng.seed)")
        }
    }

    /// A prefill run (up to 8 tokens, 24 rows) widens V tile by tile; a decode token (3 rows) streams it. Both
    /// must give a token the same bits, or batching would change results: each token of the 20-token run (70
    /// positions, over several V tiles at head dims 128 and 256) is run again alone and compared bit for bit.
    @Test("a token's attention has the same bits alone as inside a prefill run, for every cache type",
          arguments: [(SL_TYPE_F16, 128, 16), (SL_TYPE_F16, 64, 32), (SL_TYPE_Q8_0, 128, 16), (SL_TYPE_BF16, 256, 16)])
    func runEqualsAlone(type: sl_type, headDim: Int, blockSize: Int) {
        var rng = SeededGenerator()
        var problem = Problem(headDim: headDim, blockSize: blockSize, rng: &rng)
        problem.window = headDim == 64 ? 50 : 0
        let width = Problem.numHeads * headDim
        for level in [SL_LEVEL_AVX2, SL_LEVEL_AVX512] {
            let together = problem.run(level: level, kvType: type)
            for t in problem.contextLengths.indices {
                var alone = problem
                alone.contextLengths = [problem.contextLengths[t]]
                alone.tokenSequence = [problem.tokenSequence[t]]
                alone.q = Array(problem.q[(t * width)..<((t + 1) * width)])
                let single = alone.run(level: level, kvType: type)
                let inRun = together[(t * width)..<((t + 1) * width)]
                let differing = zip(single, inRun).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "type \(type.rawValue), level \(level.rawValue), token \(t) (context \(problem.contextLengths[t])): \(differing) of \(width) outputs differ alone")
            }
        }
    }

    /// One token on 2 KV heads is 2 tasks; with more threads, its GQA groups are split among them.
    @Test("a decode token whose heads are split among more threads than tasks has the same bits as on one thread",
          arguments: [SL_LEVEL_SCALAR, SL_LEVEL_AVX2, SL_LEVEL_AVX512], [SL_TYPE_F16, SL_TYPE_Q8_0])
    func headSplitEqualsWhole(level: sl_level, type: sl_type) {
        var rng = SeededGenerator()
        var problem = Problem(headDim: 64, blockSize: 16, rng: &rng)
        let t = problem.contextLengths.count - 1 // the longest sequence's last position
        let width = Problem.numHeads * 64
        problem.contextLengths = [problem.contextLengths[t]]
        problem.tokenSequence = [problem.tokenSequence[t]]
        problem.q = Array(problem.q[(t * width)..<((t + 1) * width)])
        let whole = problem.run(level: level, kvType: type, threads: 1)
        for threads in [3, 4, 8] {
            let split = problem.run(level: level, kvType: type, threads: threads)
            #expect(!whole.contains { $0.isNaN } && zip(whole, split).allSatisfy { $0.bitPattern == $1.bitPattern },
                    "level \(level.rawValue) type \(type.rawValue) threads \(threads)")
        }
    }

    @Test("the typed cache write: Q8_0 as llama.cpp's quantize_row_q8_0, K transposed with its scales, V by slot")
    func quantizedWriteLayout() {
        let kvHeads = 1, headDim = 32, blockSize = 4
        let k = (0..<headDim).map { Float($0) - 12.5 }, v = k.map { -2 * $0 }
        var kc = [Int8](repeating: 0, count: 2 * blockSize * headDim), vc = kc
        var ks = [UInt16](repeating: 0, count: 2 * blockSize), vs = ks
        kc.withUnsafeMutableBytes { kb in
            vc.withUnsafeMutableBytes { vb in
                sl_kv_cache_write_typed(SL_TYPE_Q8_0, k, v, kb.baseAddress, vb.baseAddress, &ks, &vs, [5], 1,
                                        Int64(kvHeads), Int64(headDim), Int64(blockSize))
            }
        }
        // Slot 5 is block 1, offset 1. d = max|x| / 127 in f16; q = round(x / d).
        let d = sl_fp16_to_fp32(ks[blockSize + 1])
        #expect(abs(d - 18.5 / 127) < 1e-4)
        #expect(sl_fp16_to_fp32(vs[5]) == sl_fp16_to_fp32(sl_fp32_to_fp16(37 / 127)))
        let kd: Float = 18.5 / 127, vd: Float = 37 / 127
        for i in 0..<headDim {
            // K element i of block 1's offset 1 lies at block * blockSize * headDim + i * blockSize + 1.
            #expect(Int(kc[blockSize * headDim + i * blockSize + 1]) == Int((k[i] * (1 / kd)).rounded()))
            #expect(Int(vc[5 * headDim + i]) == Int((v[i] * (1 / vd)).rounded()))
        }
        #expect(kc.enumerated().filter { $0.element != 0 }.allSatisfy { $0.offset >= blockSize * headDim })
    }

    @Test("the cache write stores K transposed per block and V by slot; a negative slot writes nothing")
    func cacheWriteLayout() {
        let kvHeads = 2, headDim = 3, blockSize = 4, numBlocks = 3
        let kvDim = kvHeads * headDim
        let k = (0..<(2 * kvDim)).map { Float($0) + 0.5 }
        let v = k.map { -$0 }
        var kCache = [UInt16](repeating: 0xFFFF, count: numBlocks * blockSize * kvDim)
        var vCache = kCache
        let slots: [Int64] = [6, -1]
        kCache.withUnsafeMutableBufferPointer { kc in
            vCache.withUnsafeMutableBufferPointer { vc in
                sl_kv_cache_write(k, v, kc.baseAddress, vc.baseAddress, slots, 2, Int64(kvHeads), Int64(headDim), Int64(blockSize))
            }
        }
        // Slot 6 is block 1, offset 2: K element i of the token sits at ((1 * kvDim + i) * blockSize + 2).
        for i in 0..<kvDim {
            #expect(sl_fp16_to_fp32(kCache[(kvDim + i) * blockSize + 2]) == k[i])
            #expect(sl_fp16_to_fp32(vCache[6 * kvDim + i]) == v[i])
        }
        #expect(kCache.filter { $0 != 0xFFFF }.count == kvDim)
        #expect(vCache.filter { $0 != 0xFFFF }.count == kvDim)
    }
}
