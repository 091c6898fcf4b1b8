import Foundation

/// SplitMix64: a tiny generator whose stream depends only on its seed, so the same `--seed`
/// samples the same prompts and the same arrival times on every machine.
public struct BenchRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in the open interval (0, 1): never 0, so its logarithm is finite.
    public mutating func nextOpenUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// A standard normal variate, by the Box–Muller transform.
    public mutating func nextNormal() -> Double {
        let radius = (-2 * Foundation.log(nextOpenUnit())).squareRoot()
        return radius * cos(2 * Double.pi * nextOpenUnit())
    }

    /// A gamma variate of shape `shape` and scale `scale` (mean shape × scale), by Marsaglia and
    /// Tsang's method; shapes below 1 use the boost gamma(shape + 1) × U^(1/shape).
    public mutating func nextGamma(shape: Double, scale: Double) -> Double {
        precondition(shape > 0 && scale > 0, "gamma needs a positive shape and scale")
        if shape < 1 {
            return nextGamma(shape: shape + 1, scale: scale) * pow(nextOpenUnit(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            let x = nextNormal()
            let base = 1 + c * x
            guard base > 0 else { continue }
            let v = base * base * base
            let u = nextOpenUnit()
            if u < 1 - 0.0331 * x * x * x * x || Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) {
                return d * v * scale
            }
        }
    }
}
