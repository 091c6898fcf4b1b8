import Foundation

extension Sampler {
    /// The picked token with its log-probability and the `topCount` likeliest alternatives, all
    /// from the raw row, before any edit (vLLM v1's default `raw_logprobs` mode).
    mutating func rawLogprobs(logits: UnsafeBufferPointer<Float>, sampledTokenID: Int, topCount: Int) -> SampledToken {
        // The token is picked, so `row` is free to hold the raw row's softmax numerators.
        if row.count != logits.count { row = [Float](repeating: 0, count: logits.count) }
        let logSoftmax = row.withUnsafeMutableBufferPointer { LogSoftmax(logits, scratch: $0) }
        let sampledLogprob = logits.indices.contains(sampledTokenID) ? logSoftmax(logits[sampledTokenID]) : -.infinity
        let wanted = min(max(topCount, 0), logits.count)
        guard wanted > 0 else { return SampledToken(tokenID: sampledTokenID, logprob: sampledLogprob) }
        if topLogprobTokens.count != wanted { topLogprobTokens = [Int32](repeating: 0, count: wanted) }
        let topLogprobs = topLogprobTokens.withUnsafeMutableBufferPointer { slots in
            let selected = Self.selectTop(wanted, of: logits, into: slots)
            return slots[..<selected].map { TokenLogprob(tokenID: Int($0), logprob: logSoftmax(logits[Int($0)])) }
        }
        return SampledToken(tokenID: sampledTokenID, logprob: sampledLogprob, topLogprobs: topLogprobs)
    }

    /// log_softmax of one row, evaluated per token after one O(vocabularySize) pass.
    struct LogSoftmax {
        /// The largest logit; NaN is skipped, and -inf means no token is possible.
        let maxLogit: Float
        /// log Σ exp(logit - maxLogit); when `maxLogit` is +inf, the log of how many logits are +inf
        /// (``Sampler/softmaxNumerators(_:maxLogit:temperature:)`` counts them).
        let logTotal: Float

        /// - Parameter scratch: [vocabularySize] overwritten.
        init(_ logits: UnsafeBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>) {
            maxLogit = Sampler.largest(logits)
            guard maxLogit > -.infinity, let source = logits.baseAddress, let destination = scratch.baseAddress else {
                logTotal = 0
                return
            }
            // Exponentiate a copy in place: writing to a second buffer whose address matches the logits'
            // modulo 4 KiB makes the CPU hold each load behind the previous stores (4K aliasing), 4x slower.
            destination.update(from: source, count: logits.count)
            let numerators = UnsafeMutableBufferPointer(rebasing: scratch[..<logits.count])
            logTotal = Float(log(Sampler.softmaxNumerators(numerators, maxLogit: maxLogit, temperature: 1)))
        }

        func callAsFunction(_ logit: Float) -> Float {
            guard maxLogit > -.infinity, !logit.isNaN else { return -.infinity }
            if maxLogit == .infinity { return logit == .infinity ? -logTotal : -.infinity }
            return (logit - maxLogit) - logTotal
        }
    }
}
