/// The mean and percentiles of one latency over the requests of a pass, in milliseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var mean: Double
    public var median: Double
    public var p90: Double
    public var p99: Double

    /// Summarises `seconds`; an empty list gives zeros and a count of 0, as vLLM reports it.
    public init(seconds: [Double]) {
        let sorted = seconds.map { $0 * 1000 }.sorted()
        count = sorted.count
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
        median = Self.percentile(sorted, 50)
        p90 = Self.percentile(sorted, 90)
        p99 = Self.percentile(sorted, 99)
    }

    /// The `percent`th percentile of ascending `sorted`, interpolated linearly between the two
    /// nearest ranks as numpy's default method does; 0 for an empty list.
    public static func percentile(_ sorted: [Double], _ percent: Double) -> Double {
        guard let first = sorted.first else { return 0 }
        guard sorted.count > 1 else { return first }
        let rank = Double(sorted.count - 1) * percent / 100
        let lower = Int(rank.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (rank - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
