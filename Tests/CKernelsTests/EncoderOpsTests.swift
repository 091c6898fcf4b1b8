import CKernels
import Foundation
import Testing

/// The encoder's element-wise kernels against formulas computed here in double.
@Suite("Encoder ops: LayerNorm and GELU")
struct EncoderOpsTests {
    @Test("sl_layernorm centres each row, scales it to unit variance, then applies weight and bias (in place too)")
    func layerNorm() {
        var generator = SystemRandomNumberGenerator()
        for (rows, width) in [(1, 1), (3, 7), (5, 768), (2, 33)] {
            let x = (0..<(rows * width)).map { _ in Float.random(in: -3...5, using: &generator) }
            let weight = (0..<width).map { _ in Float.random(in: 0.5...1.5, using: &generator) }
            let bias = (0..<width).map { _ in Float.random(in: -1...1, using: &generator) }
            var y = [Float](repeating: 0, count: rows * width)
            sl_layernorm(x, weight, bias, &y, Int64(rows), Int64(width), 1e-12)
            for row in 0..<rows {
                let values = x[(row * width)..<((row + 1) * width)].map(Double.init)
                let mean = values.reduce(0, +) / Double(width)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(width)
                for i in 0..<width {
                    let expected = (values[i] - mean) / (variance + 1e-12).squareRoot() * Double(weight[i]) + Double(bias[i])
                    // A single value has no variance: it normalises to 0 (plus the bias).
                    let tolerance = width == 1 ? 1e-3 : 1e-4 * max(1, abs(expected))
                    #expect(abs(Double(y[row * width + i]) - expected) <= tolerance, "row \(row) col \(i) of \(width)")
                }
            }
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer {
                sl_layernorm($0.baseAddress, weight, bias, $0.baseAddress, Int64(rows), Int64(width), 1e-12)
            }
            #expect(inPlace == y)
        }
    }

    @Test("sl_gelu is GELU's tanh approximation to f16 precision, 0 far below zero and the identity far above")
    func gelu() {
        var values: [Float] = stride(from: -12, through: 12, by: 0.37).map { Float($0) }
        values += [0, -0.0, 1e-4, -1e-4, 30, -30]
        var out = values
        sl_gelu(&out, Int64(out.count))
        for (x, y) in zip(values, out) {
            let d = Double(x)
            let expected = 0.5 * d * (1 + tanh(0.7978845608028654 * d * (1 + 0.044715 * d * d)))
            #expect(abs(Double(y) - expected) <= 2e-3 * max(1, abs(expected)), "gelu(\(x)) = \(y), expected \(expected)")
        }
        // As the gated form with up = 1.
        var gated = [Float](repeating: 0, count: values.count)
        sl_geglu(values, [Float](repeating: 1, count: values.count), &gated, Int64(values.count))
        #expect(gated == out)
    }
}
