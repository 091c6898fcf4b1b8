/// When each request of a pass is sent, as vLLM's `bench serve` draws it: gaps between requests
/// are gamma-distributed with shape `burstiness` and mean 1 / `requestRate`, so burstiness 1 is a
/// Poisson process, below 1 burstier and above 1 more even. An infinite rate sends all at once.
public struct ArrivalSchedule: Sendable, Equatable {
    /// Seconds from the start of the pass at which request `i` is due; the first is due at 0.
    public let offsets: [Double]

    public init(count: Int, requestRate: Double, burstiness: Double, seed: UInt64) {
        guard requestRate.isFinite else {
            offsets = Array(repeating: 0, count: count)
            return
        }
        var random = BenchRandom(seed: seed)
        var offsets: [Double] = []
        offsets.reserveCapacity(count)
        var time = 0.0
        for _ in 0..<count {
            offsets.append(time)
            time += random.nextGamma(shape: burstiness, scale: 1 / (requestRate * burstiness))
        }
        self.offsets = offsets
    }

    /// The gaps between consecutive arrivals, in seconds.
    public var interArrivalTimes: [Double] {
        zip(offsets.dropFirst(), offsets).map { $0 - $1 }
    }
}
