import Foundation

/// Picks the next token from one row of logits.
///
/// Greedy when the temperature is 0; otherwise softmax at the temperature, then top-k and
/// top-p filtering, then one draw from the request's own generator.
public struct Sampler: Sendable {
    public let params: SamplingParams
    private var generator: SeededGenerator
    /// Candidate indices, reused between calls.
    private var order: [Int32] = []
    private var probabilities: [Float] = []

    public init(params: SamplingParams) {
        self.params = params
        generator = SeededGenerator(seed: params.seed ?? UInt64.random(in: .min ... .max))
    }

    public mutating func sample(logits: UnsafeBufferPointer<Float>) -> Int {
        if params.temperature == 0 { return Self.argmax(logits) }
        let count = logits.count
        if probabilities.count != count {
            probabilities = [Float](repeating: 0, count: count)
            order = (0..<Int32(count)).map { $0 }
        }
        let maxLogit = logits[Self.argmax(logits)]
        let inverseTemperature = 1 / params.temperature
        var total: Float = 0
        for i in 0..<count {
            let p = expf((logits[i] - maxLogit) * inverseTemperature)
            probabilities[i] = p
            total += p
        }
        var kept = count
        if params.topK > 0 || params.topP < 1 {
            for i in 0..<count { order[i] = Int32(i) }
            let probs = probabilities
            order.sort { probs[Int($0)] > probs[Int($1)] }
            if params.topK > 0 { kept = min(kept, params.topK) }
            if params.topP < 1 {
                var cumulative: Float = 0
                for rank in 0..<kept {
                    cumulative += probs[Int(order[rank])] / total
                    if cumulative >= params.topP { kept = rank + 1; break }
                }
            }
            total = (0..<kept).reduce(0) { $0 + probs[Int(order[$1])] }
        } else {
            for i in 0..<count { order[i] = Int32(i) }
        }
        var target = generator.nextUnitFloat() * total
        for rank in 0..<kept {
            let token = Int(order[rank])
            target -= probabilities[token]
            if target <= 0 { return token }
        }
        return Int(order[kept - 1])
    }

    /// The index of the largest logit (the first one on ties).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for (i, value) in logits.enumerated() where value > bestValue {
            best = i
            bestValue = value
        }
        return best
    }
}
