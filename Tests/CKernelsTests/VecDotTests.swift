import CKernels
import Testing

/// Random operands of a dot product of `format` with its activation partner, and the size of the terms summed.
private struct DotCase {
    let count: Int
    let x: [UInt8]
    let y: [UInt8]
    let exact: Double     // Σ x_i * y_i from the independent reading, in Double
    let magnitude: Double // Σ (|x_i| + |offset_i|) * |y_i|: the scale of the kernel's rounding error

    init(_ format: QuantFormat, blocks: Int, using rng: inout SeededGenerator) {
        let partner = QuantFormat(type: format.traits.vec_dot_type)
        count = blocks * format.blockSize
        precondition(count % partner.blockSize == 0)
        var x = randomRow(format, blocks: blocks, using: &rng)
        // Weights may hold -128 (files from other tools); only the activations are kept off it.
        if format.type == SL_TYPE_Q8_0 { x[2] = 0x80 }
        self.x = x
        y = randomRow(partner, blocks: count / partner.blockSize, using: &rng)
        var exact = 0.0, magnitude = 0.0
        for i in 0..<count {
            let xi = independentElement(format, x, i), yi = independentElement(partner, y, i)
            exact += xi * yi
            magnitude += (abs(xi) + abs(independentOffset(format, x, i))) * abs(yi)
        }
        self.exact = exact
        self.magnitude = magnitude + 1e-30
    }
}

/// Block counts with odd sizes and tails (element counts for the float types).
private func sizes(_ format: QuantFormat) -> [Int] {
    switch format.blockSize {
    case 1: [1, 7, 8, 33, 64, 65, 257, 1031]
    case 32: [1, 2, 3, 7, 33]
    default: [1, 2, 3]
    }
}

@Suite("Dot products")
struct VecDotTests {
    @Test("every SIMD dot product equals the scalar reference on random data", arguments: QuantFormat.weightTypes)
    func simdMatchesReference(format: QuantFormat) {
        var rng = SeededGenerator()
        let levels = [SL_LEVEL_AVX2, SL_LEVEL_AVX512].filter { sl_get_vec_dot_impl(format.type, $0) != nil }
        for blocks in sizes(format) {
            for _ in 0..<4 {
                let c = DotCase(format, blocks: blocks, using: &rng)
                let reference = dot(format.traits.vec_dot_ref, count: c.count, c.x, c.y)
                for level in levels {
                    let simd = dot(sl_get_vec_dot_impl(format.type, level), count: c.count, c.x, c.y)
                    #expect(abs(Double(simd) - Double(reference)) <= 1e-5 * c.magnitude,
                            "\(format) level \(level.rawValue), \(blocks) blocks: \(simd) vs \(reference), seed \(rng.seed)")
                }
                let selected = dot(format.traits.vec_dot, count: c.count, c.x, c.y)
                #expect(abs(Double(selected) - Double(reference)) <= 1e-5 * c.magnitude, "\(format) selected kernel")
            }
        }
    }

    @Test("the reference dot product equals the dot product of the dequantized rows", arguments: QuantFormat.weightTypes)
    func referenceMatchesDequantized(format: QuantFormat) {
        var rng = SeededGenerator()
        for blocks in sizes(format) {
            let c = DotCase(format, blocks: blocks, using: &rng)
            let reference = dot(format.traits.vec_dot_ref, count: c.count, c.x, c.y)
            // Q8_1's s is d * Σq rounded to half: allow that rounding on the offset terms.
            let offsetRounding = format.type == SL_TYPE_Q4_1 || format.type == SL_TYPE_Q5_1 ? 1e-3 : 0
            #expect(abs(Double(reference) - c.exact) <= (1e-5 + offsetRounding) * c.magnitude,
                    "\(format), \(blocks) blocks: \(reference) vs \(c.exact), seed \(rng.seed)")
        }
    }

    @Test("dot products of Q4_1 weights with quantized activations approximate the float dot product")
    func endToEndQ4_1() {
        var rng = SeededGenerator()
        let q4_1 = QuantFormat(type: SL_TYPE_Q4_1), q8_1 = QuantFormat(type: SL_TYPE_Q8_1)
        let weights = randomFloats(33 * 32, using: &rng), activations = randomFloats(33 * 32, using: &rng)
        let x = quantize(q4_1.traits.from_float, q4_1, weights)
        let y = quantize(q8_1.traits.from_float, q8_1, activations)
        let exact = zip(weights, activations).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let scale = zip(weights, activations).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
        let got = dot(q4_1.traits.vec_dot, count: weights.count, x, y)
        #expect(abs(Double(got) - exact) <= 0.05 * scale, "\(got) vs \(exact), seed \(rng.seed)")
    }
}
