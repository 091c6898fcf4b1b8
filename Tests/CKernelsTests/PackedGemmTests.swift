import CKernels
import Foundation
import Testing

/// A packed matrix over Swift-owned memory, built from GGUF-layout rows.
private final class PackedFixture {
    var matrix = sl_packed_matrix()
    let buffer: UnsafeMutableRawPointer

    /// Packs `parts` (GGUF rows of `type`, `cols` wide) one after another, as PackedLinear does.
    init(_ format: QuantFormat, cols: Int, parts: [(rows: Int, bytes: [UInt8])]) {
        let rows = parts.reduce(0) { $0 + $1.rows }
        let size = sl_packed_size(format.type, Int64(rows), Int64(cols))
        buffer = .allocate(byteCount: size, alignment: 64)
        sl_packed_init(&matrix, format.type, Int64(rows), Int64(cols), buffer)
        var next: Int64 = 0
        for part in parts {
            part.bytes.withUnsafeBytes { sl_pack_rows(&matrix, next, $0.baseAddress, Int64(part.rows)) }
            next += Int64(part.rows)
        }
    }

    deinit { buffer.deallocate() }
}

/// Quantized activations over Swift-owned memory.
private final class ActivationFixture {
    var act = sl_qact()
    let buffer: UnsafeMutableRawPointer

    init(tokens: Int, cols: Int) {
        buffer = .allocate(byteCount: sl_qact_size(Int64(tokens), Int64(cols)), alignment: 64)
        sl_qact_init(&act, buffer, Int64(tokens), Int64(cols))
    }

    deinit { buffer.deallocate() }

    func quantize(_ x: [Float], tokens: Int, format: sl_act_format, level: sl_level, pool: OpaquePointer) {
        x.withUnsafeBufferPointer {
            sl_quantize_act(pool, $0.baseAddress, act.cols, Int64(tokens), format, &act, level)
        }
    }

    var quants: [Int8] { Array(UnsafeBufferPointer(start: act.q, count: Int(act.tokens * act.cols))) }
    var blockValues: (d: [Float], s: [Float], isum: [Int32]) {
        let n = Int(act.tokens * act.cols / 32)
        return (Array(UnsafeBufferPointer(start: act.d, count: n)), Array(UnsafeBufferPointer(start: act.s, count: n)),
                Array(UnsafeBufferPointer(start: act.isum, count: n)))
    }
    var sixteenSums: [Int16] { Array(UnsafeBufferPointer(start: act.bsum, count: Int(act.tokens * act.cols / 16))) }
    var blockSums16: [Int16] { Array(UnsafeBufferPointer(start: act.isum16, count: Int(act.tokens * act.cols / 32))) }
}

private let q8_1Reference = sl_get_from_float_impl(SL_TYPE_Q8_1, SL_LEVEL_SCALAR)!
private let q8_KReference = sl_get_from_float_impl(SL_TYPE_Q8_K, SL_LEVEL_SCALAR)!
private let packedFormats = [SL_TYPE_Q4_0, SL_TYPE_Q4_1, SL_TYPE_Q5_0, SL_TYPE_Q5_1, SL_TYPE_Q8_0, SL_TYPE_Q4_K,
                             SL_TYPE_Q5_K, SL_TYPE_Q6_K, SL_TYPE_IQ4_NL, SL_TYPE_IQ4_XS, SL_TYPE_F16,
                             SL_TYPE_BF16].map(QuantFormat.init)

private extension QuantFormat {
    /// The 256-element super-block formats (K-quants and IQ4_XS), whose activations are Q8_K.
    var isKQuant: Bool { blockSize == 256 }
    var isFloat: Bool { blockSize == 1 }
    /// The narrowest width the packed layout takes.
    var packedWidth: Int { isKQuant ? 256 : 32 }
}

/// f32 to bf16 as vcvtneps2bf16 rounds (Intel SDM): subnormals to signed zero, NaN kept quiet, the rest to
/// nearest even; written apart from the C version.
func bf16RoundedBits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(bits >> 16) | 0x40 }
    if value.isSubnormal || value.isZero { return UInt16(bits >> 16) & 0x8000 }
    let lsb = (bits >> 16) & 1
    return UInt16((bits &+ 0x7FFF &+ lsb) >> 16)
}
/// The levels this CPU runs the packed GEMM at: the scalar reference, then AVX2 and AVX-512 where present.
private let packedLevels = [SL_LEVEL_SCALAR, SL_LEVEL_AVX2, SL_LEVEL_AVX512].filter {
    $0.rawValue <= sl_packed_best_level().rawValue
}
/// The SIMD levels among them, each checked bit for bit against the reference.
private let simdLevels = packedLevels.filter { $0 != SL_LEVEL_SCALAR }

@Suite("Packed GEMM: repacked weights, 8-bit activations, VNNI and AVX2 against the scalar reference")
struct PackedGemmTests {
    let pool = sl_threadpool_create(2)!

    /// y[t, r] = Σ_k W[r, k] * x[t, k] with W read through the type's own dequantizer and x through
    /// the activation format's reference quantizer (Q8_1, or Q8_K for the K-quants), in Double: what
    /// every version must approximate.
    static func expected(_ format: QuantFormat, weights: [UInt8], rows: Int, cols: Int, x: [Float], tokens: Int) -> [Double] {
        var w = dequantize(format, weights, count: rows * cols)
        let q8 = QuantFormat(type: format.isKQuant ? SL_TYPE_Q8_K : SL_TYPE_Q8_1)
        let reference = format.isKQuant ? q8_KReference : q8_1Reference
        let blocks = format.isFloat ? [] : (0..<tokens).map { t in quantize(reference, q8, Array(x[(t * cols)..<((t + 1) * cols)])) }
        // F16 weights meet f16-rounded activations; BF16 weights meet bf16 activations, and their
        // subnormal weights count as zero (as vdpbf16ps reads them).
        let xs = switch format.type {
        case SL_TYPE_F16: x.map { Float(Float16($0)) }
        case SL_TYPE_BF16: x.map { bf16Value(bf16RoundedBits($0)) }
        default: blocks.flatMap { dequantize(q8, $0, count: cols) }
        }
        if format.type == SL_TYPE_BF16 { w = w.map { $0.isSubnormal ? 0 : $0 } }
        var y = [Double](repeating: 0, count: tokens * rows)
        for t in 0..<tokens {
            for r in 0..<rows {
                var sum = 0.0
                for k in 0..<cols { sum += Double(w[r * cols + k]) * Double(xs[t * cols + k]) }
                if format.type == SL_TYPE_Q4_1 || format.type == SL_TYPE_Q5_1 {
                    // The offset term uses Q8_1's s = d * sum(q) as rounded to f16, not the exact sum.
                    for b in 0..<(cols / 32) {
                        let m = Double(halfValue(weights.u16((r * cols / 32 + b) * format.typeSize + 2)))
                        let exactS = (0..<32).reduce(0.0) { $0 + Double(xs[t * cols + b * 32 + $1]) }
                        sum += m * (Double(halfValue(blocks[t].u16(b * 36 + 2))) - exactS)
                    }
                }
                y[t * rows + r] = sum
            }
        }
        return y
    }

    /// Runs the GEMM of `fixture` over `x` at `level` into one output of `rows` columns.
    fileprivate func run(_ fixture: PackedFixture, _ format: QuantFormat, x: [Float], tokens: Int, level: sl_level,
             initial: [Float]? = nil) -> [Float] {
        let rows = Int(fixture.matrix.rows), cols = Int(fixture.matrix.cols)
        let act = ActivationFixture(tokens: tokens, cols: cols)
        act.quantize(x, tokens: tokens, format: sl_packed_act_format(format.type), level: level, pool: pool)
        var y = initial ?? [Float](repeating: .nan, count: tokens * rows)
        y.withUnsafeMutableBufferPointer { out in
            var output = sl_gemm_output(y: out.baseAddress, ldy: Int64(rows), row_begin: 0, row_end: Int64(rows),
                                        accumulate: initial == nil ? 0 : 1)
            sl_gemm(pool, &fixture.matrix, &act.act, &output, 1, level)
        }
        return y
    }

    @Test("the scalar reference computes W · x for every type, ragged row counts and token counts",
          arguments: packedFormats)
    func referenceMatchesDequantizedProduct(format: QuantFormat) {
        var rng = SeededGenerator()
        for (rows, blocks, tokens) in [(16, 1, 1), (37, 3, 3), (5, 2, 9)] {
            let cols = blocks * format.packedWidth
            let weights = randomRow(format, blocks: rows * cols / format.blockSize, using: &rng)
            let x = randomFloats(tokens * cols, in: -3...3, using: &rng)
            let fixture = PackedFixture(format, cols: cols, parts: [(rows, weights)])
            let y = run(fixture, format, x: x, tokens: tokens, level: SL_LEVEL_SCALAR)
            let exact = Self.expected(format, weights: weights, rows: rows, cols: cols, x: x, tokens: tokens)
            // f32 rounding of the per-block terms grows with their magnitudes, not with the (possibly
            // cancelling) sum: bound the error by Σ |w| |x|.
            let w = dequantize(format, weights, count: rows * cols)
            for i in exact.indices {
                let (t, r) = (i / rows, i % rows)
                let magnitude = (0..<cols).reduce(0.0) { $0 + abs(Double(w[r * cols + $1]) * Double(x[t * cols + $1])) }
                #expect(abs(Double(y[i]) - exact[i]) <= 1e-5 * magnitude + 1e-6,
                        "\(format) \(rows)x\(cols) t=\(tokens) [\(i)]: \(y[i]) vs \(exact[i]) (seed \(rng.seed))")
            }
        }
    }

    /// |the offset part| of element `index` of a K-quant row: dmin * min (Q4_K, Q5_K) or 32 * |d * scale|
    /// (Q6_K, whose kernels sum the unsigned quants and subtract the offset per super-block).
    private static func kOffset(_ format: QuantFormat, _ b: [UInt8], _ index: Int) -> Double {
        guard format.type == SL_TYPE_Q6_K else { return abs(independentOffset(format, b, index)) }
        let o = (index / 256) * format.typeSize
        return 32 * abs(Double(halfValue(b.u16(o + 208))) * Double(b.i8(o + 192 + (index % 256) / 16)))
    }

    @Test("the K-quants' reference (per-block scales, one float multiply per super-block) is W · x to a few ulp of the summed terms, extremes included",
          arguments: [SL_TYPE_Q4_K, SL_TYPE_Q5_K, SL_TYPE_Q6_K].map(QuantFormat.init), [false, true])
    func kQuantReferenceIsTight(format: QuantFormat, extreme: Bool) {
        var rng = SeededGenerator()
        let rows = 21, cols = 1024, tokens = 4
        var weights = randomRow(format, blocks: rows * cols / format.blockSize, using: &rng)
        var x = randomFloats(tokens * cols, in: -3...3, using: &rng)
        if extreme {
            // Quant and scale bytes (not d / dmin) at 0xFF (every quant, scale and min at its top),
            // 0x80 (Q6_K: scales -128) or 0x7F, by rows; activations all +-1, so every quant is +-127 and
            // the super-block integer terms reach their largest magnitudes.
            let quantBytes = format.type == SL_TYPE_Q6_K ? 0..<(format.typeSize - 2) : 4..<format.typeSize
            for r in 0..<rows {
                let fill: UInt8 = [0xFF, 0x80, 0x7F][r % 3]
                for b in 0..<(cols / 256) {
                    for k in quantBytes { weights[(r * cols / 256 + b) * format.typeSize + k] = fill }
                }
            }
            for i in x.indices { x[i] = i / cols == 0 ? 1 : i / cols == 1 ? -1 : (i % 2 == 0 ? 1 : -1) }
        }
        let fixture = PackedFixture(format, cols: cols, parts: [(rows, weights)])
        let y = run(fixture, format, x: x, tokens: tokens, level: SL_LEVEL_SCALAR)
        let exact = Self.expected(format, weights: weights, rows: rows, cols: cols, x: x, tokens: tokens)
        let q8 = QuantFormat(type: SL_TYPE_Q8_K)
        let xq = (0..<tokens).flatMap { t in
            dequantize(q8, quantize(q8_KReference, q8, Array(x[(t * cols)..<((t + 1) * cols)])), count: cols)
        }
        let w = independentDequantize(format, weights, count: rows * cols)
        let offsets = (0..<(rows * cols)).map { Self.kOffset(format, weights, $0) }
        // Every rounding is relative to a partial sum of the terms the kernel adds: each weight's unsigned
        // part (|w| + |offset|) and its offset part, times x. 17 roundings per super-block (Q6_K's 16
        // block terms and the integer term), one per super-block into the total, and the f32 roundings of
        // the dequantized weights and activations the expected value is built from.
        let roundings = Double(17 + cols / 256 + 4)
        for i in exact.indices {
            let (t, r) = (i / rows, i % rows)
            let magnitude = (0..<cols).reduce(0.0) {
                $0 + (abs(w[r * cols + $1]) + 2 * offsets[r * cols + $1]) * abs(Double(xq[t * cols + $1]))
            }
            #expect(abs(Double(y[i]) - exact[i]) <= roundings * 0x1p-24 * magnitude + 1e-30,
                    "\(format) extreme \(extreme) [\(i)]: \(y[i]) vs \(exact[i]), magnitude \(magnitude) (seed \(rng.seed))")
        }
    }

    @Test("the AVX2 and AVX-512 kernels equal the scalar reference bit for bit, for every tile size and tail",
          .enabled(if: !simdLevels.isEmpty), arguments: packedFormats, simdLevels)
    func simdMatchesReference(format: QuantFormat, level: sl_level) {
        var rng = SeededGenerator()
        for tokens in [1, 2, 3, 7, 8, 9, 12, 15, 16, 21] {
            expectSIMDMatchesReference(format, level: level, rows: 40, cols: format.isKQuant ? 512 : 160, tokens: tokens, rng: &rng)
        }
    }

    /// Random weights and activations of the shape; expects `level`'s result to equal the scalar reference's
    /// bit for bit, and returns the problem and that result.
    @discardableResult
    fileprivate func expectSIMDMatchesReference(_ format: QuantFormat, level: sl_level, rows: Int, cols: Int, tokens: Int,
                                                rng: inout SeededGenerator) -> (fixture: PackedFixture, x: [Float], reference: [Float]) {
        let weights = randomRow(format, blocks: rows * cols / format.blockSize, using: &rng)
        let x = randomFloats(tokens * cols, in: -4...4, using: &rng)
        let fixture = PackedFixture(format, cols: cols, parts: [(rows, weights)])
        let reference = run(fixture, format, x: x, tokens: tokens, level: SL_LEVEL_SCALAR)
        let simd = run(fixture, format, x: x, tokens: tokens, level: level)
        #expect(simd == reference, "\(format) level \(level.rawValue) \(rows)x\(cols) tokens \(tokens) (seed \(rng.seed))")
        return (fixture, x, reference)
    }

    /// Rows wider than 64 blocks run their expanded groups a segment of 32 blocks at a time, each tile
    /// keeping its partial sums between segments (a last segment shorter than the others included).
    @Test("wide matrices, whose batches run a segment of blocks at a time, equal the scalar reference bit for bit",
          .enabled(if: !simdLevels.isEmpty), arguments: packedFormats, simdLevels)
    func simdMatchesReferenceWhenSegmented(format: QuantFormat, level: sl_level) {
        var rng = SeededGenerator()
        let cols = format.isKQuant ? 256 * 9 : 32 * 65
        for tokens in [17, 30] {
            let rows = 20
            let (fixture, x, reference) = expectSIMDMatchesReference(format, level: level, rows: rows, cols: cols,
                                                                      tokens: tokens, rng: &rng)
            // Accumulating: what was there is added once, after the last segment.
            let initial = randomFloats(tokens * rows, in: -100...100, using: &rng)
            let summed = run(fixture, format, x: x, tokens: tokens, level: level, initial: initial)
            #expect(summed == zip(reference, initial).map { $0 + $1 }, "\(format) accumulate tokens \(tokens)")
        }
    }

    @Test("the SIMD kernels stay exact at the largest quants and activations (no int16 saturation in maddubs)",
          .enabled(if: !simdLevels.isEmpty), arguments: packedFormats, simdLevels)
    func simdExactAtExtremes(format: QuantFormat, level: sl_level) {
        var rng = SeededGenerator()
        let rows = 56, cols = format.isKQuant ? 512 : 160, tokens = 5
        var weights = randomRow(format, blocks: rows * cols / format.blockSize, using: &rng)
        // The bytes of a block that hold quants (and sub-block scales), not f16 scales.
        let quantBytes: Range<Int> = switch format.type {
        case SL_TYPE_Q4_1, SL_TYPE_Q5_1, SL_TYPE_Q4_K, SL_TYPE_Q5_K: 4..<format.typeSize
        case SL_TYPE_Q6_K: 0..<(format.typeSize - 2)
        default: 2..<format.typeSize
        }
        let blocksPerRow = cols / format.blockSize
        if format.isFloat {
            // Rows 0-15: the largest finite values (BF16: 2^100, whose sums stay finite); 16-31: the smallest
            // subnormal (BF16's is flushed); 32-47: the most negative; the rest random.
            let fills: [UInt16] = format.type == SL_TYPE_F16 ? [0x7BFF, 0x0001, 0xFBFF] : [0x7180, 0x0001, 0xF180]
            for r in 0..<48 {
                for k in 0..<cols { weights.setU16(2 * (r * cols + k), fills[r / 16]) }
            }
        } else {
            // Rows 0-15: every quant at its top (Q8_0: -1); 16-31: 0x80 (Q8_0: -128); 32-47: 0x7F; the rest random.
            for r in 0..<48 {
                let fill: UInt8 = r < 16 ? 0xFF : r < 32 ? 0x80 : 0x7F
                for b in 0..<blocksPerRow {
                    for k in quantBytes { weights[(r * blocksPerRow + b) * format.typeSize + k] = fill }
                }
            }
        }
        // Every activation quant at +-127: all +1, alternating, all -1, random signs, and one random token.
        var x = [Float](repeating: 0, count: tokens * cols)
        for k in 0..<cols {
            x[k] = 1
            x[cols + k] = k % 2 == 0 ? 1 : -1
            x[2 * cols + k] = -1
            x[3 * cols + k] = Bool.random(using: &rng) ? 1 : -1
            x[4 * cols + k] = Float.random(in: -4...4, using: &rng)
        }
        let fixture = PackedFixture(format, cols: cols, parts: [(rows, weights)])
        for n in 1...tokens {
            let input = Array(x[0..<(n * cols)])
            let reference = run(fixture, format, x: input, tokens: n, level: SL_LEVEL_SCALAR)
            let simd = run(fixture, format, x: input, tokens: n, level: level)
            #expect(simd == reference, "\(format) level \(level.rawValue) tokens \(n) (seed \(rng.seed))")
        }
    }

    @Test("stacked parts land in their own outputs, and accumulate adds to what is there",
          arguments: packedLevels)
    func fusedOutputsAndAccumulate(level: sl_level) throws {
        var rng = SeededGenerator()
        let format = QuantFormat(type: SL_TYPE_Q4_1)
        let cols = 64, tokens = 5
        let a = randomRow(format, blocks: 32 * cols / 32, using: &rng)
        let b = randomRow(format, blocks: 16 * cols / 32, using: &rng)
        let c = randomRow(format, blocks: 7 * cols / 32, using: &rng)
        let x = randomFloats(tokens * cols, using: &rng)
        let stacked = PackedFixture(format, cols: cols, parts: [(32, a), (16, b), (7, c)])
        let whole = run(stacked, format, x: x, tokens: tokens, level: level)

        let act = ActivationFixture(tokens: tokens, cols: cols)
        act.quantize(x, tokens: tokens, format: SL_ACT_Q8_1, level: level, pool: pool)
        var ya = [Float](repeating: .nan, count: tokens * 32)
        var yb = [Float](repeating: 1, count: tokens * 20) // row stride 20, wider than the 16 rows written
        var yc = [Float](repeating: .nan, count: tokens * 7)
        ya.withUnsafeMutableBufferPointer { pa in
            yb.withUnsafeMutableBufferPointer { pb in
                yc.withUnsafeMutableBufferPointer { pc in
                    var outputs = [
                        sl_gemm_output(y: pa.baseAddress, ldy: 32, row_begin: 0, row_end: 32, accumulate: 0),
                        sl_gemm_output(y: pb.baseAddress, ldy: 20, row_begin: 32, row_end: 48, accumulate: 1),
                        sl_gemm_output(y: pc.baseAddress, ldy: 7, row_begin: 48, row_end: 55, accumulate: 0),
                    ]
                    sl_gemm(pool, &stacked.matrix, &act.act, &outputs, 3, level)
                }
            }
        }
        for t in 0..<tokens {
            for r in 0..<32 { #expect(ya[t * 32 + r] == whole[t * 55 + r]) }
            for r in 0..<16 { #expect(yb[t * 20 + r] == 1 + whole[t * 55 + 32 + r]) }
            for r in 16..<20 { #expect(yb[t * 20 + r] == 1, "columns past the output's rows are untouched") }
            for r in 0..<7 { #expect(yc[t * 7 + r] == whole[t * 55 + 48 + r]) }
        }
    }

    @Test("activations quantize exactly as Q8_1 does, at every level", arguments: packedLevels)
    func activationQuantizer(level: sl_level) throws {
        var rng = SeededGenerator()
        let cols = 96, tokens = 3
        var x = randomFloats(tokens * cols, in: -5...5, using: &rng)
        for k in 32..<64 { x[k] = 0 }       // an all-zero block: scale 0, quants 0
        x[70] = 1e-30                        // a tiny value beside normal ones
        x[100] = 2.5; x[101] = -2.5          // halves land on exact .5 multiples of the scale
        let q8 = QuantFormat(type: SL_TYPE_Q8_1)
        let act = ActivationFixture(tokens: tokens, cols: cols)
        act.quantize(x, tokens: tokens, format: SL_ACT_Q8_1, level: level, pool: pool)
        let quants = act.quants
        let (d, s, isum) = act.blockValues
        for t in 0..<tokens {
            let blocks = quantize(q8_1Reference, q8, Array(x[(t * cols)..<((t + 1) * cols)]))
            for b in 0..<(cols / 32) {
                let o = b * 36
                #expect(d[t * 3 + b] == halfValue(blocks.u16(o)))
                #expect(s[t * 3 + b] == halfValue(blocks.u16(o + 2)))
                var sum = 0
                for k in 0..<32 {
                    let q = blocks.i8(o + 4 + k)
                    sum += q
                    #expect(Int(quants[t * cols + b * 32 + k]) == q)
                }
                #expect(Int(isum[t * 3 + b]) == sum)
            }
        }
    }

    @Test("K-quant activations quantize exactly as Q8_K does (scale, quants, sums per 16), at every level",
          arguments: packedLevels)
    func activationQuantizerQ8K(level: sl_level) throws {
        var rng = SeededGenerator()
        let cols = 768, tokens = 3
        var x = randomFloats(tokens * cols, in: -5...5, using: &rng)
        for k in 256..<512 { x[k] = 0 }      // an all-zero super-block: scale 0, quants 0
        x[600] = 9; x[700] = -9              // a tie in magnitude: the first one sets the sign of the scale
        x[cols + 5] = -40                     // a negative extreme
        let q8 = QuantFormat(type: SL_TYPE_Q8_K)
        let act = ActivationFixture(tokens: tokens, cols: cols)
        act.quantize(x, tokens: tokens, format: SL_ACT_Q8_K, level: level, pool: pool)
        let quants = act.quants, bsum = act.sixteenSums, isum16 = act.blockSums16
        let (d, s, isum) = act.blockValues
        for t in 0..<tokens {
            let blocks = quantize(q8_KReference, q8, Array(x[(t * cols)..<((t + 1) * cols)]))
            for superBlock in 0..<(cols / 256) {
                let o = superBlock * q8.typeSize
                let scale = blocks.f32(o)
                for k in 0..<256 { #expect(Int(quants[t * cols + superBlock * 256 + k]) == blocks.i8(o + 4 + k)) }
                for g in 0..<16 { #expect(Int(bsum[t * cols / 16 + superBlock * 16 + g]) == blocks.i16(o + 260 + 2 * g)) }
                for j in 0..<8 {
                    let b = t * cols / 32 + superBlock * 8 + j
                    #expect(d[b] == scale)
                    #expect(Int(isum[b]) == blocks.i16(o + 260 + 4 * j) + blocks.i16(o + 262 + 4 * j))
                    #expect(Int(isum16[b]) == Int(isum[b]))
                    #expect(s[b] == scale * Float(isum[b]))
                }
            }
        }
    }

    @Test("RMSNorm fused with quantization equals RMSNorm then quantization", arguments: packedLevels)
    func rmsnormQuantize(level: sl_level) throws {
        var rng = SeededGenerator()
        let cols = 256, tokens = 5
        let x = randomFloats(tokens * cols, in: -2...2, using: &rng)
        let weight = randomFloats(cols, in: 0.5...1.5, using: &rng)
        var normed = [Float](repeating: 0, count: tokens * cols)
        normed.withUnsafeMutableBufferPointer { sl_rmsnorm(x, weight, $0.baseAddress, Int64(tokens), Int64(cols), 1e-5) }
        let separate = ActivationFixture(tokens: tokens, cols: cols)
        separate.quantize(normed, tokens: tokens, format: SL_ACT_Q8_K, level: level, pool: pool)
        let fused = ActivationFixture(tokens: tokens, cols: cols)
        var fusedNormed = [Float](repeating: .nan, count: tokens * cols)
        fusedNormed.withUnsafeMutableBufferPointer {
            sl_rmsnorm_quantize(pool, x, weight, 1e-5, $0.baseAddress, Int64(tokens), SL_ACT_Q8_K, &fused.act, level)
        }
        #expect(fusedNormed == normed)
        #expect(fused.quants == separate.quants)
        #expect(fused.blockValues.d == separate.blockValues.d)
    }

    @Test("SwiGLU fused with quantization stays within 4 ulp of silu(g) * u, extremes included",
          arguments: packedLevels)
    func swigluQuantize(level: sl_level) throws {
        var rng = SeededGenerator()
        let cols = 96, tokens = 2
        var gate = randomFloats(tokens * cols, in: -20...20, using: &rng)
        let up = randomFloats(tokens * cols, in: -3...3, using: &rng)
        for (i, v) in [Float(0), -0.0, 88, -88, 100, -100, 1e30, -1e30, 1e-30, .infinity, -.infinity].enumerated() {
            gate[i] = v
        }
        let original = gate
        let act = ActivationFixture(tokens: tokens, cols: cols)
        gate.withUnsafeMutableBufferPointer {
            sl_swiglu_quantize(pool, $0.baseAddress, up, Int64(cols), Int64(tokens), SL_ACT_Q8_1, &act.act, level)
        }
        for i in gate.indices {
            let g = Double(original[i])
            let exact = Float(g / (1 + Foundation.exp(-g)) * Double(up[i]))
            if !exact.isFinite {
                #expect(gate[i] == exact || gate[i].isNaN && exact.isNaN, "g=\(g): \(gate[i]) vs \(exact)")
                continue
            }
            #expect(abs(gate[i] - exact) <= 4 * exact.ulp + Float.leastNormalMagnitude, "g=\(g) u=\(up[i]): \(gate[i]) vs \(exact)")
        }
    }

    @Test("sizes: unsupported types and widths have no packed layout; K-quants need whole super-blocks")
    func unsupportedShapes() {
        #expect(sl_packed_size(SL_TYPE_F32, 16, 32) == 0)
        #expect(sl_packed_size(SL_TYPE_Q8_K, 16, 256) == 0)
        #expect(sl_packed_size(SL_TYPE_Q4_0, 16, 48) == 0)
        #expect(sl_packed_size(SL_TYPE_Q4_0, 0, 32) == 0)
        #expect(sl_packed_size(SL_TYPE_Q4_K, 16, 128) == 0)
        #expect(sl_packed_size(SL_TYPE_Q4_1, 17, 64) == 2 * 2 * 320)
        // Q4_K: a 128-byte header and 8 blocks of 288 per group and super-block: 4.75 bits per weight.
        #expect(sl_packed_size(SL_TYPE_Q4_K, 16, 512) == 2 * (128 + 8 * 288))
        #expect(sl_packed_size(SL_TYPE_Q6_K, 16, 256) == 64 + 8 * 416)
        for format in packedFormats { #expect(sl_packed_supports(format.type) == 1, "\(format)") }
        #expect(sl_packed_act_format(SL_TYPE_Q6_K) == SL_ACT_Q8_K && sl_packed_act_format(SL_TYPE_Q8_0) == SL_ACT_Q8_1)
        #expect(sl_packed_size(SL_TYPE_IQ4_XS, 16, 128) == 0)
        // IQ4_XS: a 64-byte header and 8 blocks of 272: 4.5 bits per weight, as the GGUF format.
        #expect(sl_packed_size(SL_TYPE_IQ4_XS, 16, 256) == 64 + 8 * 272)
        #expect(sl_packed_size(SL_TYPE_IQ4_NL, 16, 64) == 2 * 288)
        #expect(sl_packed_size(SL_TYPE_F16, 17, 64) == 2 * 2 * 1024)
        #expect(sl_packed_size(SL_TYPE_BF16, 16, 48) == 0)
        #expect(sl_packed_act_format(SL_TYPE_IQ4_NL) == SL_ACT_Q8_1 && sl_packed_act_format(SL_TYPE_IQ4_XS) == SL_ACT_Q8_K)
        #expect(sl_packed_act_format(SL_TYPE_F16) == SL_ACT_F16 && sl_packed_act_format(SL_TYPE_BF16) == SL_ACT_BF16)
    }

    @Test("float activations: F16 and BF16 round to nearest even (BF16 as vcvtneps2bf16: subnormals to zero), at every level",
          arguments: packedLevels)
    func floatActivations(level: sl_level) throws {
        var rng = SeededGenerator()
        let cols = 64, tokens = 3
        var x = randomFloats(tokens * cols, in: -5...5, using: &rng)
        let specials: [Float] = [0, -0.0, Float(bitPattern: 0x0001_2345), Float(bitPattern: 0x8070_0000), .leastNormalMagnitude, .infinity, -.infinity, .nan,
                                 .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                 Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), // ties: down, up
                                 Float(bitPattern: 0x3F80_8001), Float(bitPattern: 0x7F7F_FFFF),
                                 65504, 65519.99, 65520, -65520, 0x1p-25, 0x1.000002p-25, 3 * 0x1p-25, 0x1.ffep-15]
        for (i, v) in specials.enumerated() { x[cols + i] = v }
        let halves = ActivationFixture(tokens: tokens, cols: cols)
        halves.quantize(x, tokens: tokens, format: SL_ACT_F16, level: level, pool: pool)
        let halfValues = Array(UnsafeBufferPointer(start: halves.act.f32, count: tokens * cols))
        for i in x.indices {
            let want = Float(Float16(x[i]))
            #expect(halfValues[i].bitPattern == want.bitPattern || halfValues[i].isNaN && want.isNaN, "x = \(x[i])")
        }
        let rounded = ActivationFixture(tokens: tokens, cols: cols)
        rounded.quantize(x, tokens: tokens, format: SL_ACT_BF16, level: level, pool: pool)
        let bits = Array(UnsafeBufferPointer(start: rounded.act.bf16, count: tokens * cols))
        for i in x.indices { #expect(bits[i] == bf16RoundedBits(x[i]), "x = \(x[i]) (\(String(x[i].bitPattern, radix: 16)))") }
    }

    @Test("BF16 on a CPU without AVX512-BF16 runs the AVX2 kernel, with the same results", .enabled(if: simdLevels.count == 2))
    func bf16WithoutNativeDotProduct() {
        var rng = SeededGenerator()
        let format = QuantFormat(type: SL_TYPE_BF16)
        let rows = 24, cols = 96
        let weights = randomRow(format, blocks: rows * cols, using: &rng)
        let fixture = PackedFixture(format, cols: cols, parts: [(rows, weights)])
        for tokens in [1, 2, 5, 9] {
            let x = randomFloats(tokens * cols, in: -4...4, using: &rng)
            let reference = run(fixture, format, x: x, tokens: tokens, level: SL_LEVEL_SCALAR)
            sl_kernels_init(~Int32(SL_CPU_AVX512BF16))
            let fallback = run(fixture, format, x: x, tokens: tokens, level: SL_LEVEL_AVX512)
            sl_kernels_init(-1)
            #expect(fallback == reference, "tokens \(tokens) (seed \(rng.seed))")
        }
    }
}
