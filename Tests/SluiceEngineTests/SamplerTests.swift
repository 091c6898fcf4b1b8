import Foundation
import Testing
@testable import SluiceEngine

@Suite("Sampler")
struct SamplerTests {
    /// Logits whose softmax at temperature 1 is `probabilities`.
    static func logits(_ probabilities: [Float]) -> [Float] { probabilities.map { log($0) } }

    static func draws(_ params: SamplingParams, _ logits: [Float], count: Int) -> [Int] {
        var sampler = Sampler(params: params)
        return logits.withUnsafeBufferPointer { row in (0..<count).map { _ in sampler.sample(logits: row) } }
    }

    @Test("temperature 0, and temperatures too small to divide by, pick the argmax")
    func greedy() {
        let row: [Float] = [0.1, 2.5, -1, 2.4]
        for temperature: Float in [0, 1e-40, 1e-6] {
            #expect(Self.draws(SamplingParams(temperature: temperature), row, count: 20) == [Int](repeating: 1, count: 20))
        }
    }

    @Test("the same seed gives the same draws, another seed other draws")
    func seeded() {
        let row = Self.logits([0.25, 0.25, 0.25, 0.25])
        let a = Self.draws(SamplingParams(seed: 7), row, count: 64)
        #expect(a == Self.draws(SamplingParams(seed: 7), row, count: 64))
        #expect(a != Self.draws(SamplingParams(seed: 8), row, count: 64))
    }

    @Test("draws at temperature 1 follow the softmax")
    func distribution() {
        let probabilities: [Float] = [0.5, 0.3, 0.15, 0.05]
        let samples = Self.draws(SamplingParams(seed: 1), Self.logits(probabilities), count: 20_000)
        for (token, p) in probabilities.enumerated() {
            let frequency = Float(samples.filter { $0 == token }.count) / Float(samples.count)
            #expect(abs(frequency - p) < 0.015, "token \(token): \(frequency) against \(p)")
        }
    }

    @Test("top-k keeps the k likeliest tokens and top-p cuts the renormalised top-k mass")
    func topKAndTopP() {
        let row = Self.logits([0.5, 0.3, 0.2])
        #expect(Set(Self.draws(SamplingParams(topK: 1, seed: 3), row, count: 200)) == [0])
        #expect(Set(Self.draws(SamplingParams(topK: 2, seed: 3), row, count: 500)) == [0, 1])
        // Over the top-2 mass (0.8), token 0 alone holds 0.625 >= 0.6: vLLM keeps only it.
        #expect(Set(Self.draws(SamplingParams(topP: 0.6, topK: 2, seed: 3), row, count: 200)) == [0])
        #expect(Set(Self.draws(SamplingParams(topP: 0.75, seed: 3), row, count: 500)) == [0, 1])
    }

    @Test("a NaN logit is never drawn and does not break the draw")
    func nanLogits() {
        let row: [Float] = [.nan, 0, 0, .nan]
        #expect(Set(Self.draws(SamplingParams(seed: 5), row, count: 300)) == [1, 2])
    }

    @Test("invalid parameters are refused with the field named")
    func validation() {
        #expect(throws: SamplingError.self) { try SamplingParams(temperature: -1).validate() }
        #expect(throws: SamplingError.self) { try SamplingParams(topP: 0).validate() }
        #expect(throws: SamplingError.self) { try SamplingParams(maxTokens: 0).validate() }
        #expect(throws: Never.self) { try SamplingParams(temperature: 0.7, topP: 0.9, maxTokens: 5).validate() }
    }
}
