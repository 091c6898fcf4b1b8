import Foundation

/// Picks the next token from one row of logits.
///
/// Greedy when the temperature is (near) 0; otherwise softmax at the temperature, then top-k, then
/// top-p over the renormalised top-k candidates (as vLLM and Hugging Face order them), then one draw from
/// the request's own generator. NaN logits count as impossible tokens.
public struct Sampler: Sendable {
    /// Temperatures below this are greedy: dividing by them would overflow (vLLM's `_SAMPLING_EPS`).
    public static let greedyTemperature: Float = 1e-5

    public let params: SamplingParams
    private var generator: SeededGenerator
    /// Scratch reused between calls: candidate ids by falling probability, and probabilities by id.
    private var order: [Int32] = []
    private var probabilities: [Float] = []

    public init(params: SamplingParams) {
        self.params = params
        generator = SeededGenerator(seed: params.seed ?? UInt64.random(in: .min ... .max))
    }

    public mutating func sample(logits: UnsafeBufferPointer<Float>) -> Int {
        if params.temperature < Self.greedyTemperature { return Self.argmax(logits) }
        let count = logits.count
        if probabilities.count != count {
            probabilities = [Float](repeating: 0, count: count)
            order = [Int32](repeating: 0, count: count)
        }
        let maxLogit = logits[Self.argmax(logits)]
        for i in 0..<count {
            let logit = logits[i]
            probabilities[i] = logit.isNaN ? 0 : expf((logit - maxLogit) / params.temperature)
        }
        let filtered = params.topK > 0 || params.topP < 1
        var kept = count
        if filtered {
            for i in 0..<count { order[i] = Int32(i) }
            let probs = probabilities
            order.sort { probs[Int($0)] > probs[Int($1)] }
            if params.topK > 0 { kept = min(kept, params.topK) }
            if params.topP < 1 {
                let mass = (0..<kept).reduce(0.0) { $0 + Double(probs[Int(order[$1])]) }
                var cumulative = 0.0
                for rank in 0..<kept {
                    cumulative += Double(probs[Int(order[rank])]) / mass
                    if cumulative >= Double(params.topP) {
                        kept = rank + 1
                        break
                    }
                }
            }
        }
        func candidate(_ rank: Int) -> Int { filtered ? Int(order[rank]) : rank }
        let total = (0..<kept).reduce(0.0) { $0 + Double(probabilities[candidate($1)]) }
        var target = Double(generator.nextUnitFloat()) * total
        var lastPossible = candidate(0)
        for rank in 0..<kept {
            let token = candidate(rank)
            let p = Double(probabilities[token])
            guard p > 0 else { continue }
            if target < p { return token }
            target -= p
            lastPossible = token
        }
        // Only rounding can leave the draw unspent: take the last token that had any probability.
        return lastPossible
    }

    /// The index of the largest logit (the first one on ties; NaN never wins).
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
