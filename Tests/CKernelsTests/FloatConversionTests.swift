import CKernels
import Testing

@Suite("Half and bfloat16 conversions")
struct FloatConversionTests {
    @Test("every half converts to the same float as Swift's Float16, and back to itself")
    func allHalves() {
        for bits in 0...UInt16.max {
            let reference = Float(Float16(bitPattern: bits))
            let value = sl_fp16_to_fp32(bits)
            if reference.isNaN {
                #expect(value.isNaN)
                #expect(sl_fp32_to_fp16(value) & 0x7FFF > 0x7C00, "NaN \(bits) must stay NaN")
            } else {
                #expect(value.bitPattern == reference.bitPattern, "half \(bits)")
                #expect(sl_fp32_to_fp16(value) == bits, "half \(bits)")
            }
        }
    }

    @Test("float to half rounds to nearest even, like Swift's Float16, across the whole range")
    func roundsLikeFloat16() {
        var rng = SeededGenerator()
        for _ in 0..<200_000 {
            // Exponents from far below the subnormals to beyond the largest half.
            let bits = UInt32(truncatingIfNeeded: rng.next()) & 0x807F_FFFF | UInt32.random(in: 90...150, using: &rng) << 23
            let value = Float(bitPattern: bits)
            #expect(sl_fp32_to_fp16(value) == Float16(value).bitPattern, "float \(value) seed \(rng.seed)")
        }
    }

    @Test("edge cases: largest half, overflow, subnormals, ties, signed zero, infinity, NaN")
    func halfEdges() {
        #expect(sl_fp32_to_fp16(65504) == 0x7BFF)
        #expect(sl_fp32_to_fp16(65519.996) == 0x7BFF)
        #expect(sl_fp32_to_fp16(65520) == 0x7C00) // the tie goes to the even infinity
        #expect(sl_fp32_to_fp16(1e10) == 0x7C00)
        #expect(sl_fp32_to_fp16(-.infinity) == 0xFC00)
        #expect(sl_fp32_to_fp16(-0.0) == 0x8000)
        #expect(sl_fp32_to_fp16(0x1p-24) == 0x0001) // smallest subnormal
        #expect(sl_fp32_to_fp16(0x1p-25) == 0x0000) // tie with zero: even
        #expect(sl_fp32_to_fp16(0x1.000002p-25) == 0x0001)
        #expect(sl_fp32_to_fp16(0x3p-25) == 0x0002) // 1.5 units: tie, to even 2
        #expect(sl_fp32_to_fp16(0x5p-25) == 0x0002) // 2.5 units: tie, to even 2
        #expect(sl_fp32_to_fp16(0x1.ffcp-15) == 0x0400) // tie above the largest subnormal: to the even first normal
        #expect(sl_fp32_to_fp16(1 + 0x1p-11) == 0x3C00) // tie, to even
        #expect(sl_fp32_to_fp16(1 + 0x3p-11) == 0x3C02)
        #expect(sl_fp16_to_fp32(0x0001) == 0x1p-24)
        #expect(sl_fp16_to_fp32(0x03FF) == 0x3FFp-24)
        #expect(sl_fp16_to_fp32(0x7C00) == .infinity)
        #expect(sl_fp16_to_fp32(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(sl_fp16_to_fp32(0x7E00).isNaN)
        #expect(sl_fp32_to_fp16(.nan) & 0x7FFF > 0x7C00)
    }

    @Test("bfloat16 keeps the top half of the float, rounding to nearest even")
    func bfloat16() {
        #expect(sl_fp32_to_bf16(1.0) == 0x3F80)
        #expect(sl_fp32_to_bf16(Float(bitPattern: 0x3F80_8000)) == 0x3F80) // tie, to even
        #expect(sl_fp32_to_bf16(Float(bitPattern: 0x3F81_8000)) == 0x3F82) // tie, to even
        #expect(sl_fp32_to_bf16(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(sl_fp32_to_bf16(.greatestFiniteMagnitude) == 0x7F80) // overflows to infinity
        #expect(sl_fp32_to_bf16(-.infinity) == 0xFF80)
        #expect(sl_fp32_to_bf16(Float(bitPattern: 0x0000_0001)) == 0x0000) // subnormals round, not flush
        #expect(sl_fp32_to_bf16(Float(bitPattern: 0x0000_8001)) == 0x0001)
        let nan = sl_fp32_to_bf16(Float(bitPattern: 0x7F80_0001)) // a signalling NaN whose payload is in the low half
        #expect(nan & 0x7F80 == 0x7F80 && nan & 0x007F != 0)
        var rng = SeededGenerator()
        for _ in 0..<100_000 {
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard value.isFinite, value.bitPattern >> 16 & 0x7FFF != 0x7F7F else { continue } // no finite upper neighbour
            // Independent rounding: pick the nearer of the two neighbours in Double, ties to the even one.
            let down = value.bitPattern >> 16
            let lo = Double(bf16Value(UInt16(down))), hi = Double(bf16Value(UInt16(truncatingIfNeeded: down + 1)))
            let distLo = abs(Double(value) - lo), distHi = abs(Double(value) - hi)
            let expected = distLo < distHi || (distLo == distHi && down & 1 == 0) ? down : down + 1
            #expect(sl_fp32_to_bf16(value) == UInt16(truncatingIfNeeded: expected), "float bits \(value.bitPattern)")
            #expect(sl_bf16_to_fp32(sl_fp32_to_bf16(value)) == bf16Value(UInt16(truncatingIfNeeded: expected)))
        }
    }
}
