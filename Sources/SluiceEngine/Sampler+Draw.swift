extension Sampler {
    /// Samples from the edited logits in `row` (overwritten with softmax numerators) with one
    /// uniform draw in [0, 1).
    mutating func drawFromRow(_ uniform: Float) -> Int {
        let params = params
        let ranks = (params.topK > 0 && params.topK < row.count) || params.topP < 1
        if ranks, rankedTokens.count != row.count { rankedTokens = [Int32](repeating: 0, count: row.count) }
        return row.withUnsafeMutableBufferPointer { row in
            rankedTokens.withUnsafeMutableBufferPointer { ranked in
                Self.draw(uniform, row: row, ranked: ranked, params: params)
            }
        }
    }

    /// Softmax at the temperature, then top-k, top-p and min_p, then the draw.
    ///
    /// Without top-k or top-p this stays one O(vocabularySize) pass per step and sorts nothing.
    /// Otherwise the candidates come out likeliest first (ties: lower id), exactly the prefix a full
    /// sort would give, and the draw walks them in that order.
    private static func draw(
        _ uniform: Float, row: UnsafeMutableBufferPointer<Float>, ranked: UnsafeMutableBufferPointer<Int32>,
        params: SamplingParams
    ) -> Int {
        let maxLogit = largest(UnsafeBufferPointer(row))
        // Every token is NaN or -inf: nothing is possible, so fall back to the argmax's answer.
        guard maxLogit > -.infinity else { return argmax(UnsafeBufferPointer(row)) }
        var total = softmaxNumerators(row, maxLogit: maxLogit, temperature: params.temperature)
        let probabilities = UnsafeBufferPointer(row)
        // The likeliest token's numerator is exp(0) = 1, so min_p's threshold is min_p itself.
        let minProbability = params.minP

        let topK = params.topK > 0 && params.topK < row.count ? params.topK : nil
        guard topK != nil || params.topP < 1 else {
            if minProbability > 0 {
                for token in row.indices where row[token] < minProbability { row[token] = 0 }
                total = sum(probabilities)
            }
            return draw(uniform, from: row.indices, probabilities: probabilities, total: total)
        }

        var candidates: UnsafeMutableBufferPointer<Int32>
        if let topK {
            let selected = selectTop(topK, of: probabilities, into: ranked)
            candidates = UnsafeMutableBufferPointer(rebasing: ranked[..<selected])
            if params.topP < 1 {
                let kept = nucleusLength(candidates, probabilities: probabilities,
                                         mass: Double(params.topP) * mass(of: candidates, probabilities))
                candidates = UnsafeMutableBufferPointer(rebasing: candidates[..<kept])
            }
        } else {
            candidates = nucleus(probabilities, total: total, topP: params.topP, ranked: ranked)
        }
        if minProbability > 0 {
            // Candidates fall in probability, so the survivors are a prefix.
            let kept = candidates.firstIndex { probabilities[Int($0)] < minProbability } ?? candidates.count
            candidates = UnsafeMutableBufferPointer(rebasing: candidates[..<kept])
        }
        return draw(uniform, from: candidates, probabilities: probabilities, total: mass(of: candidates, probabilities))
    }

    private static func mass(of tokens: UnsafeMutableBufferPointer<Int32>, _ probabilities: UnsafeBufferPointer<Float>) -> Double {
        tokens.reduce(0.0) { $0 + Double(probabilities[Int($1)]) }
    }

    /// How many of the likeliest-first `candidates` top-p keeps: the shortest prefix holding `mass`.
    private static func nucleusLength(
        _ candidates: UnsafeMutableBufferPointer<Int32>, probabilities: UnsafeBufferPointer<Float>, mass: Double
    ) -> Int {
        var cumulative = 0.0
        for (rank, token) in candidates.enumerated() {
            cumulative += Double(probabilities[Int(token)])
            if cumulative >= mass { return rank + 1 }
        }
        return candidates.count
    }

    /// Top-p over the whole vocabulary, without sorting it.
    ///
    /// One pass sums the probability in power-of-two bands below the likeliest token; the bands that
    /// reach `topP` of the mass (plus one band of margin against rounding) bound the candidates,
    /// which a heap then yields likeliest first until the cut. Returns them in `ranked`, likeliest first.
    private static func nucleus(
        _ probabilities: UnsafeBufferPointer<Float>, total: Double, topP: Float, ranked: UnsafeMutableBufferPointer<Int32>
    ) -> UnsafeMutableBufferPointer<Int32> {
        let target = Double(topP) * total
        let bandCount = 64
        let lastBand = withUnsafeTemporaryAllocation(of: Double.self, capacity: bandCount) { bands in
            bands.initialize(repeating: 0)
            for p in probabilities where p > 0 { bands[band(of: p, bandCount: bandCount)] += Double(p) }
            var cumulative = 0.0
            for band in 0..<bandCount {
                cumulative += bands[band]
                if cumulative >= target { return min(band + 1, bandCount - 1) }
            }
            return bandCount - 1
        }
        // Band b holds [2^-b, 2^-(b-1)); the last band holds everything smaller but above 0.
        let threshold = lastBand == bandCount - 1
            ? Float.leastNonzeroMagnitude : Float(sign: .plus, exponent: -lastBand, significand: 1)
        var count = 0
        for token in probabilities.indices where probabilities[token] >= threshold {
            ranked[count] = Int32(token)
            count += 1
        }
        var heap = TokenHeap(keys: probabilities, slots: ranked, count: count, bestAtRoot: true)
        var cumulative = 0.0
        var taken = 0
        while heap.count > 0 {
            cumulative += Double(probabilities[Int(heap.popRoot())])
            taken += 1
            if cumulative >= target { break }
        }
        // The heap parks each popped token just past itself, so the kept ones sit at the end, likeliest last.
        var kept = UnsafeMutableBufferPointer(rebasing: ranked[(count - taken)..<count])
        kept.reverse()
        return kept
    }

    /// The power-of-two band of a probability numerator in (0, 1]: 0 for 1, 1 for [0.5, 1), and so on.
    @inline(__always)
    private static func band(of p: Float, bandCount: Int) -> Int {
        let biasedExponent = Int((p.bitPattern >> 23) & 0xFF)
        return min(127 - biasedExponent, bandCount - 1)
    }

    /// Walks `tokens` in order until the draw's share of `total` is spent; zero-probability tokens
    /// (NaN logits among them) are never picked.
    private static func draw<Tokens: Collection>(
        _ uniform: Float, from tokens: Tokens, probabilities: UnsafeBufferPointer<Float>, total: Double
    ) -> Int where Tokens.Element: BinaryInteger {
        var target = Double(uniform) * total
        var lastPossible = tokens.first.map { Int($0) } ?? 0
        for element in tokens {
            let token = Int(element)
            let p = Double(probabilities[token])
            guard p > 0 else { continue }
            if target < p { return token }
            target -= p
            lastPossible = token
        }
        // Only rounding can leave the draw unspent: take the last token that had any probability.
        return lastPossible
    }
}
