extension Sampler {
    /// e^x for x <= 0 within a few ulp; NaN, -inf and anything below -87 (where e^x leaves Float's
    /// normal range) give 0.
    ///
    /// Built from arithmetic and bit operations only, so the compiler vectorises a loop over a row;
    /// libm's `expf` is an opaque call per token and cost most of a step's sampling time.
    @inline(__always)
    static func exp(nonPositive x: Float) -> Float {
        let lowest: Float = -87
        // Clamping first keeps NaN and -inf out of the bit arithmetic below.
        let clamped = x >= lowest ? x : lowest
        // Adding 1.5 · 2^23 rounds x · log2(e) to the nearest integer n, left in the low mantissa bits.
        let shifter: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + shifter
        let n = shifted - shifter
        // r = x - n · ln2, with ln2 split in two (Cody and Waite) so the first product is exact.
        let r = (clamped - n * 0.693_359_375) + n * 2.121_944_4e-4
        // e^r for |r| <= ln2 / 2 by its Taylor series to r^7: the next term is under 1e-8.
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^n, n in [-126, 0], written straight into a float's exponent field.
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return x >= lowest ? p * scale : 0
    }

    /// Overwrites `row` with its softmax numerators exp((logit - maxLogit) / temperature), NaN as 0,
    /// and returns their sum; `maxLogit` is the row's largest logit, above -inf.
    static func softmaxNumerators(_ row: UnsafeMutableBufferPointer<Float>, maxLogit: Float, temperature: Float) -> Double {
        if maxLogit == .infinity {
            // exp(inf - inf) is NaN: the +inf tokens share all the mass instead.
            for token in row.indices { row[token] = row[token] == .infinity ? 1 : 0 }
        } else {
            // A multiply vectorises far better than a divide; the two differ by about an ulp.
            let inverseTemperature = 1 / temperature
            for token in row.indices { row[token] = exp(nonPositive: (row[token] - maxLogit) * inverseTemperature) }
        }
        return sum(UnsafeBufferPointer(row))
    }

    /// Σ values in Double, over four running sums so that the adds need not wait on each other.
    static func sum(_ values: UnsafeBufferPointer<Float>) -> Double {
        var sums = (0.0, 0.0, 0.0, 0.0)
        var index = 0
        while index + 4 <= values.count {
            sums.0 += Double(values[index])
            sums.1 += Double(values[index + 1])
            sums.2 += Double(values[index + 2])
            sums.3 += Double(values[index + 3])
            index += 4
        }
        var total = (sums.0 + sums.1) + (sums.2 + sums.3)
        while index < values.count {
            total += Double(values[index])
            index += 1
        }
        return total
    }
}
