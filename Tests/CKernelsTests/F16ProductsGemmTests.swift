import CKernels
import Testing

/// F16 weights packed over Swift-owned memory, and `SL_ACT_F16_PRODUCTS` activations for them.
private final class F16ProductsFixture {
    var matrix = sl_packed_matrix()
    var act = sl_qact()
    let weights: [Float]
    let rows: Int, cols: Int
    private let matrixBuffer: UnsafeMutableRawPointer
    private let actBuffer: UnsafeMutableRawPointer

    init(type: sl_type = SL_TYPE_F16, rows: Int, cols: Int, maxTokens: Int, weightBytes: [UInt8]) {
        self.rows = rows
        self.cols = cols
        weights = type == SL_TYPE_F16 ? (0..<(rows * cols)).map { halfValue(weightBytes.u16(2 * $0)) } : []
        matrixBuffer = .allocate(byteCount: sl_packed_size(type, Int64(rows), Int64(cols)), alignment: 64)
        actBuffer = .allocate(byteCount: sl_qact_size(Int64(maxTokens), Int64(cols)), alignment: 64)
        sl_packed_init(&matrix, type, Int64(rows), Int64(cols), matrixBuffer)
        var packed = matrix
        weightBytes.withUnsafeBytes { sl_pack_rows(&packed, 0, $0.baseAddress, Int64(rows)) }
        sl_qact_init(&act, actBuffer, Int64(maxTokens), Int64(cols))
    }

    deinit {
        matrixBuffer.deallocate()
        actBuffer.deallocate()
    }

    func quantize(_ x: [Float], tokens: Int, level: sl_level, pool: OpaquePointer) {
        x.withUnsafeBufferPointer { sl_quantize_act(pool, $0.baseAddress, Int64(cols), Int64(tokens), SL_ACT_F16_PRODUCTS, &act, level) }
    }

    /// Token t's stored halves and its scale 2^n.
    func stored(_ t: Int) -> (halves: [UInt16], scale: Float) {
        (Array(UnsafeBufferPointer(start: act.f16 + t * cols, count: cols)), act.d[t * (cols / 32)])
    }

    func gemm(tokens: Int, level: sl_level, pool: OpaquePointer, initial: [Float]? = nil) -> [Float] {
        act.tokens = Int64(tokens)
        var y = initial ?? [Float](repeating: .nan, count: tokens * rows)
        y.withUnsafeMutableBufferPointer { out in
            var output = sl_gemm_output(y: out.baseAddress, ldy: Int64(rows), row_begin: 0, row_end: Int64(rows),
                                        accumulate: initial == nil ? 0 : 1)
            sl_gemm(pool, &matrix, &act, &output, 1, level)
        }
        return y
    }
}

/// Random F16 weights in [-2, 2], as GGUF rows.
private func f16Weights(_ count: Int, using rng: inout SeededGenerator) -> [UInt8] {
    randomRow(QuantFormat(type: SL_TYPE_F16), blocks: count, using: &rng)
}

/// The power of two a token is scaled down by, found apart from the C helper: the smallest 2^-n, n >= 0,
/// that brings its largest magnitude to at most 256.
private func expectedShift(_ row: ArraySlice<Float>) -> Int {
    let amax = row.reduce(Float(0)) { max($0, abs($1)) }
    var n = 0
    while amax * Float.pow2(-n) > 256 { n += 1 }
    return n
}

private extension Float {
    static func pow2(_ n: Int) -> Float { Float(sign: .plus, exponent: n, significand: 1) }
}

private let fp16Products = sl_packed_f16_products(SL_LEVEL_AVX512) != 0

@Suite("F16 GEMM with fp16 products (AVX512-FP16) against its exact scalar reference")
struct F16ProductsGemmTests {
    let pool = sl_threadpool_create(2)!

    @Test("activations: each token scaled by the smallest power of two that brings it under 256, rounded to f16, at every level")
    func activations() {
        var rng = SeededGenerator()
        let cols = 96, tokens = 37
        var x = randomFloats(tokens * cols, in: -3...3, using: &rng)
        // Tokens at the limit, just past it, far past it, and with one huge outlier.
        x[1 * cols + 5] = 256
        x[2 * cols + 7] = -256.01
        x[3 * cols] = 1000
        x[4 * cols + 95] = 70000
        for i in 0..<cols { x[5 * cols + i] = 0x1p-20 * Float(i) }
        let levels = [SL_LEVEL_SCALAR, SL_LEVEL_AVX2, SL_LEVEL_AVX512].filter { $0.rawValue <= sl_packed_best_level().rawValue }
        for level in levels {
            let f = F16ProductsFixture(rows: 16, cols: cols, maxTokens: tokens, weightBytes: f16Weights(16 * cols, using: &rng))
            f.quantize(x, tokens: tokens, level: level, pool: pool)
            for t in 0..<tokens {
                let n = expectedShift(x[(t * cols)..<((t + 1) * cols)])
                let (halves, scale) = f.stored(t)
                #expect(scale == Float.pow2(n), "token \(t) level \(level.rawValue)")
                for k in 0..<cols {
                    let want = Float16(x[t * cols + k] * Float.pow2(-n)).bitPattern
                    #expect(halves[k] == want, "token \(t) column \(k) level \(level.rawValue)")
                }
            }
            #expect(f.stored(1).scale == 1 && f.stored(2).scale == 2 && f.stored(3).scale == 4 && f.stored(4).scale == 512)
        }
    }

    @Test("the reference sums 16 products per f16 chain, even and odd columns apart, rounding once per product: 256 + 0.125 + ... stays 256, and the next chain starts afresh")
    func chainsRoundInHalfPrecision() {
        let cols = 64, rows = 16
        // Row r's weights are all 1, so y = the chains' sums of x.
        let ones = [UInt8]((0..<(rows * cols)).flatMap { _ in [UInt8(0x00), 0x3C] })
        let f = F16ProductsFixture(rows: rows, cols: cols, maxTokens: 2, weightBytes: ones)
        // Token 0 (largest 256: no scaling): column 0 is 256, the rest 0.125. The even chain of columns
        // 0-31 adds fifteen 0.125 to 256 (ulp 0.25 there: each sum is a tie, kept even at 256); the odd
        // chain sums sixteen (2), as do both chains of columns 32-63. Token 1: the same times 8, scaled
        // back down by 8, so the same halves and 8 times the result.
        var x = [Float](repeating: 0.125, count: 2 * cols)
        x[0] = 256
        for i in 0..<cols { x[cols + i] = 8 * x[i] }
        f.quantize(x, tokens: 2, level: SL_LEVEL_SCALAR, pool: pool)
        let y = f.gemm(tokens: 2, level: SL_LEVEL_SCALAR, pool: pool)
        #expect(y[0] == 262, "exact and f32 FMAs: \(256 + 63 * 0.125); fp16 chains: 256 + 2 + 2 + 2")
        #expect(y[rows] == 8 * 262)
        #expect(Set(y[0..<rows]).count == 1)
    }

    @Test("the reference is W · x within the f16 chains' rounding bound, outliers included")
    func referenceIsCloseToExact() {
        var rng = SeededGenerator()
        let rows = 21, cols = 128, tokens = 5
        let weights = f16Weights(rows * cols, using: &rng)
        var x = randomFloats(tokens * cols, in: -4...4, using: &rng)
        x[2 * cols + 3] = 3000 // an outlier dimension: the token is scaled down by 16
        let f = F16ProductsFixture(rows: rows, cols: cols, maxTokens: tokens, weightBytes: weights)
        f.quantize(x, tokens: tokens, level: SL_LEVEL_SCALAR, pool: pool)
        let y = f.gemm(tokens: tokens, level: SL_LEVEL_SCALAR, pool: pool)
        for t in 0..<tokens {
            let (halves, scale) = f.stored(t)
            let xs = halves.map { Double(Float(Float16(bitPattern: $0))) * Double(scale) }
            for r in 0..<rows {
                var exact = 0.0, magnitude = 0.0
                for k in 0..<cols {
                    let p = Double(f.weights[r * cols + k]) * xs[k]
                    exact += p
                    magnitude += abs(p)
                }
                // Each chain's 16 roundings in f16 (unit roundoff 2^-11) are each at most 2^-11 of its running
                // sum, itself at most the chain's Σ|w x|; the f32 additions and the scaling add far less.
                let bound = 16 * 0x1p-11 * magnitude + 1e-6
                #expect(abs(Double(y[t * rows + r]) - exact) <= bound, "token \(t) row \(r): \(y[t * rows + r]) vs \(exact)")
            }
        }
    }

    @Test("the AVX512-FP16 kernel is bit-identical to the reference: ragged rows, partial tiles of 8 tokens, token blocks, accumulate",
          .enabled(if: fp16Products))
    func kernelMatchesReference() {
        var rng = SeededGenerator()
        for (rows, cols, tokenCounts) in [(37, 96, [1, 5, 8, 13, 70]), (16, 3072, [90])] {
            let f = F16ProductsFixture(rows: rows, cols: cols, maxTokens: 90, weightBytes: f16Weights(rows * cols, using: &rng))
            for tokens in tokenCounts {
                var x = randomFloats(tokens * cols, in: -6...6, using: &rng)
                x[(tokens - 1) * cols] = 900 // the last token is scaled by 4
                f.quantize(x, tokens: tokens, level: SL_LEVEL_AVX512, pool: pool)
                let reference = f.gemm(tokens: tokens, level: SL_LEVEL_SCALAR, pool: pool)
                let simd = f.gemm(tokens: tokens, level: SL_LEVEL_AVX512, pool: pool)
                #expect(simd == reference, "\(rows)x\(cols), \(tokens) tokens (seed \(rng.seed))")
                let initial = randomFloats(tokens * rows, using: &rng)
                let added = f.gemm(tokens: tokens, level: SL_LEVEL_AVX512, pool: pool, initial: initial)
                #expect(added == zip(initial, reference).map { $0 + $1 }, "accumulate, \(tokens) tokens")
            }
        }
    }

    @Test("fp16 products are offered only at the AVX-512 level, and only where CPUID reports AVX512-FP16")
    func availability() {
        // (Masking the feature off with sl_kernels_init is not tried here: the mask is global, and other
        // suites' kernels run in parallel.)
        #expect(sl_packed_f16_products(SL_LEVEL_SCALAR) == 0)
        #expect(sl_packed_f16_products(SL_LEVEL_AVX2) == 0)
        #expect((sl_packed_f16_products(SL_LEVEL_AVX512) != 0) == ((sl_cpu_features() & Int32(SL_CPU_AVX512FP16)) != 0 &&
                                                                  sl_packed_best_level() == SL_LEVEL_AVX512))
    }

    @Test("weights other than F16 over fp16-product activations give NaN, never another type's sum")
    func otherTypesRefused() {
        var rng = SeededGenerator()
        let format = QuantFormat(type: SL_TYPE_Q8_0)
        let f = F16ProductsFixture(type: SL_TYPE_Q8_0, rows: 16, cols: 64, maxTokens: 3,
                                   weightBytes: randomRow(format, blocks: 16 * 2, using: &rng))
        f.quantize(randomFloats(3 * 64, using: &rng), tokens: 3, level: SL_LEVEL_AVX512, pool: pool)
        for level in [SL_LEVEL_SCALAR, SL_LEVEL_AVX512] {
            let y = f.gemm(tokens: 3, level: level, pool: pool)
            #expect(y.allSatisfy { $0.isNaN })
        }
    }
}
