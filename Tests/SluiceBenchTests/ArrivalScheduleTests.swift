import SluiceBench
import Testing

@Suite("Arrival schedules: gamma-distributed gaps, Poisson at burstiness 1")
struct ArrivalScheduleTests {
    /// Mean and squared coefficient of variation of `gaps`.
    func moments(_ gaps: [Double]) -> (mean: Double, cv2: Double) {
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let variance = gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(gaps.count - 1)
        return (mean, variance / (mean * mean))
    }

    @Test("the same seed gives the same arrivals; another seed different ones")
    func seeded() {
        let first = ArrivalSchedule(count: 100, requestRate: 5, burstiness: 1, seed: 42)
        #expect(first == ArrivalSchedule(count: 100, requestRate: 5, burstiness: 1, seed: 42))
        #expect(first != ArrivalSchedule(count: 100, requestRate: 5, burstiness: 1, seed: 43))
        #expect(first.offsets.first == 0)
        #expect(zip(first.offsets.dropFirst(), first.offsets).allSatisfy { $0 >= $1 })
    }

    @Test("Poisson arrivals have mean gap 1/rate and exponential spread (CV² ≈ 1)", arguments: [0.5, 4.0, 50.0])
    func poisson(rate: Double) {
        let (mean, cv2) = moments(ArrivalSchedule(count: 50_001, requestRate: rate, burstiness: 1, seed: 7).interArrivalTimes)
        #expect(abs(mean * rate - 1) < 0.03)
        #expect(abs(cv2 - 1) < 0.06)
    }

    @Test("burstiness keeps the mean gap and sets its spread: CV² = 1 / burstiness", arguments: [0.25, 0.5, 2.0, 8.0])
    func burstiness(burstiness: Double) {
        let gaps = ArrivalSchedule(count: 50_001, requestRate: 10, burstiness: burstiness, seed: 11).interArrivalTimes
        let (mean, cv2) = moments(gaps)
        #expect(abs(mean * 10 - 1) < 0.04)
        #expect(abs(cv2 * burstiness - 1) < 0.08)
        #expect(gaps.allSatisfy { $0 >= 0 })  // tiny gaps of a low shape can vanish in the running sum
    }

    @Test("an infinite rate sends every request at once")
    func infiniteRate() {
        #expect(ArrivalSchedule(count: 5, requestRate: .infinity, burstiness: 1, seed: 0).offsets == [0, 0, 0, 0, 0])
    }

    @Test("gamma variates have mean shape × scale")
    func gammaMean() {
        var random = BenchRandom(seed: 3)
        let samples = (0..<40_000).map { _ in random.nextGamma(shape: 3, scale: 2) }
        #expect(abs(samples.reduce(0, +) / Double(samples.count) - 6) < 0.1)
    }
}
