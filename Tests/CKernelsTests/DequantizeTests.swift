import CKernels
import Testing

@Suite("Dequantizers")
struct DequantizeTests {
    @Test("each dequantizer agrees with an independent per-element reading of the format", arguments: QuantFormat.allTypes)
    func matchesIndependentReading(format: QuantFormat) {
        var rng = SeededGenerator()
        for blocks in [1, 3, 7] {
            let count = blocks * format.blockSize
            let bytes = randomRow(format, blocks: blocks, using: &rng)
            let got = dequantize(format, bytes, count: count)
            let want = independentDequantize(format, bytes, count: count)
            let magnitude = want.map(abs).max()! + 1e-30
            let worst = zip(got, want).map { abs(Double($0) - $1) }.max()!
            // Only the float rounding of (scale * quant - offset) may differ.
            #expect(worst <= 1e-6 * magnitude, "\(format), \(blocks) blocks, seed \(rng.seed)")
        }
    }
}
