import CKernels
import Testing

@Suite("Quantizers")
struct QuantizeTests {
    /// Largest error dequantize(quantize(x)) may have on a block, from the format's step and its half-rounded scales.
    private func allowedError(_ format: QuantFormat, block x: ArraySlice<Float>) -> Double {
        let amax = Double(x.map(abs).max()!), lo = Double(x.min()!), hi = Double(x.max()!)
        let halfRounding = 1.0 / 1024
        switch format.type {
        case SL_TYPE_F32: return 0
        case SL_TYPE_F16: return amax / 2048
        case SL_TYPE_BF16: return amax / 256
        case SL_TYPE_Q8_0, SL_TYPE_Q8_1: return amax / 127 * 0.5 + amax * halfRounding
        case SL_TYPE_Q8_K: return amax / 127 * 0.5 * 1.001
        // The symmetric 4/5-bit formats map -max to max's mirror but clamp the far end: one step of error.
        case SL_TYPE_Q4_0: return amax / 8 * 1.001 + amax * halfRounding
        case SL_TYPE_Q5_0: return amax / 16 * 1.001 + amax * halfRounding
        case SL_TYPE_Q4_1: return (hi - lo) / 15 * 0.5 * 1.001 + (amax + hi - lo) * halfRounding
        case SL_TYPE_Q5_1: return (hi - lo) / 31 * 0.5 * 1.001 + (amax + hi - lo) * halfRounding
        default: fatalError("no bound for \(format)")
        }
    }

    static let quantizedTypes: [QuantFormat] = [
        SL_TYPE_F32, SL_TYPE_F16, SL_TYPE_BF16, SL_TYPE_Q8_0, SL_TYPE_Q8_1, SL_TYPE_Q8_K,
        SL_TYPE_Q4_0, SL_TYPE_Q4_1, SL_TYPE_Q5_0, SL_TYPE_Q5_1,
    ].map(QuantFormat.init)

    @Test("dequantize(quantize(x)) is within the format's rounding error of x", arguments: quantizedTypes)
    func roundTrip(format: QuantFormat) {
        var rng = SeededGenerator()
        for blocks in [1, 3, 7] {
            let count = blocks * format.blockSize
            let scale = Float.random(in: 0.01...100, using: &rng)
            var x = randomFloats(count, in: -scale...scale, using: &rng)
            if count > 8 { x[5] = 0 } // exact zeros stay representable
            let back = dequantize(format, quantize(format.traits.from_float, format, x), count: count)
            for start in stride(from: 0, to: count, by: format.blockSize) {
                let block = x[start..<(start + format.blockSize)]
                let bound = allowedError(format, block: block)
                for i in block.indices {
                    #expect(abs(Double(back[i]) - Double(x[i])) <= bound, "\(format) element \(i): \(back[i]) vs \(x[i]), seed \(rng.seed)")
                }
            }
        }
    }

    @Test("the SIMD activation quantizers are bit-identical to the reference ones",
          arguments: [SL_TYPE_Q8_0, SL_TYPE_Q8_1, SL_TYPE_Q8_K].map(QuantFormat.init))
    func simdMatchesReference(format: QuantFormat) {
        var rng = SeededGenerator()
        let reference = sl_get_from_float_impl(format.type, SL_LEVEL_SCALAR)!
        let levels = [SL_LEVEL_AVX2, SL_LEVEL_AVX512].compactMap { sl_get_from_float_impl(format.type, $0) }
        for blocks in [1, 3, 5] {
            let count = blocks * format.blockSize
            var x = randomFloats(count, in: -3...3, using: &rng)
            // Values that land on exact halves after scaling test the rounding mode; a block of zeros the zero scale.
            for i in 0..<min(count, 32) { x[i] = Float(i) - 15.5 }
            x[0] = 127
            if blocks > 1 { for i in format.blockSize..<(2 * format.blockSize) { x[i] = 0 } }
            let want = quantize(reference, format, x)
            for simd in levels {
                #expect(quantize(simd, format, x) == want, "\(format), \(blocks) blocks, seed \(rng.seed)")
            }
        }
    }

    @Test("Q8_0 and Q8_1 scale by 127 / absmax and round halves to even, as llama.cpp's x86 quantizer")
    func q8RoundsHalvesToEven() {
        let q8_0 = QuantFormat(type: SL_TYPE_Q8_0)
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127 // d = 1
        x[1] = 0.5; x[2] = 1.5; x[3] = -0.5; x[4] = -2.5; x[5] = 2.4999998
        let q = quantize(q8_0.traits.from_float, q8_0, x)
        #expect(q.u16(0) == 0x3C00)
        #expect([q.i8(3), q.i8(4), q.i8(5), q.i8(6), q.i8(7)] == [0, 2, 0, -2, 2])
        let q8_1 = QuantFormat(type: SL_TYPE_Q8_1)
        let q1 = quantize(q8_1.traits.from_float, q8_1, x)
        #expect([q1.i8(5), q1.i8(6), q1.i8(7), q1.i8(8), q1.i8(9)] == [0, 2, 0, -2, 2])
    }

    @Test("Q8_K scales by the first element of largest magnitude and rounds halves to even")
    func q8KScaleAndTies() {
        let q8_K = QuantFormat(type: SL_TYPE_Q8_K)
        var x = [Float](repeating: 0, count: 256)
        x[0] = -127 // iscale = -127 / -127 = 1
        x[1] = 127  // same magnitude, later: does not choose the scale
        x[2] = 0.5; x[3] = 1.5; x[4] = 2.5; x[5] = -0.5
        let q = quantize(q8_K.traits.from_float, q8_K, x)
        #expect(q.f32(0) == 1)
        #expect([q.i8(4), q.i8(5), q.i8(6), q.i8(7), q.i8(8), q.i8(9)] == [-127, 127, 0, 2, 2, 0])
    }

    @Test("Q8_1's s is d times the sum of its quants, and Q8_K's bsums are the sums of each 16 quants")
    func activationSums() {
        var rng = SeededGenerator()
        let q8_1 = QuantFormat(type: SL_TYPE_Q8_1), q8_K = QuantFormat(type: SL_TYPE_Q8_K)
        let x = randomFloats(7 * 256, in: -5...5, using: &rng)
        let a = quantize(q8_1.traits.from_float, q8_1, x)
        for b in 0..<(x.count / 32) {
            let o = 36 * b
            let sum = (0..<32).reduce(0) { $0 + a.i8(o + 4 + $1) }
            let expected = Double(halfValue(a.u16(o))) * Double(sum)
            // s is rounded from the unrounded d: allow a half-precision step of d * Σ|q|.
            let slack = Double(halfValue(a.u16(o))) * Double((0..<32).reduce(0) { $0 + abs(a.i8(o + 4 + $1)) }) / 512
            #expect(abs(Double(halfValue(a.u16(o + 2))) - expected) <= slack, "block \(b), seed \(rng.seed)")
        }
        let k = quantize(q8_K.traits.from_float, q8_K, x)
        for b in 0..<(x.count / 256) {
            let o = 292 * b
            for g in 0..<16 {
                let sum = (0..<16).reduce(0) { $0 + k.i8(o + 4 + 16 * g + $1) }
                #expect(k.i16(o + 260 + 2 * g) == sum, "block \(b) group \(g), seed \(rng.seed)")
            }
        }
    }
}
