import SluiceBench
import Testing

/// Counts requests in flight and remembers the most seen at once.
actor InFlightCounter {
    private(set) var current = 0
    private(set) var most = 0

    func enter() {
        current += 1
        most = max(most, current)
    }

    func leave() { current -= 1 }
}

@Suite("Sending a pass under a concurrency limit")
struct LoadGeneratorTests {
    func makePrompts(_ count: Int) -> [BenchPrompt] {
        (0..<count).map { BenchPrompt(prompt: "p\($0)", promptTokens: $0, outputTokens: 1) }
    }

    @Test("never more than the limit in flight, every prompt sent once, outcomes in prompt order", arguments: [1, 3, 8])
    func concurrencyLimit(limit: Int) async {
        let counter = InFlightCounter()
        let generator = LoadGenerator(maxConcurrency: limit, arrivals: ArrivalSchedule(
            count: 20, requestRate: .infinity, burstiness: 1, seed: 0))
        var heard = 0
        let (outcomes, duration) = await generator.run(prompts: makePrompts(20), send: { prompt in
            await counter.enter()
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(2))
            await counter.leave()
            return RequestOutcome(promptTokens: prompt.promptTokens, outputTokens: 1, contentTimes: [0.001], end: 0.002)
        }, progress: { _ in heard += 1 })
        #expect(outcomes.map(\.promptTokens) == Array(0..<20))
        #expect(heard == 20)
        #expect(await counter.most <= limit)
        #expect(await counter.most >= 1)
        #expect(duration > 0)
    }

    @Test("without a limit every request is in flight at once")
    func unlimited() async {
        let counter = InFlightCounter()
        let generator = LoadGenerator(maxConcurrency: nil, arrivals: ArrivalSchedule(
            count: 6, requestRate: .infinity, burstiness: 1, seed: 0))
        _ = await generator.run(prompts: makePrompts(6)) { prompt in
            await counter.enter()
            // Hold every request until all have entered: only possible if none waits for a slot.
            while await counter.most < 6 { await Task.yield() }
            await counter.leave()
            return RequestOutcome(promptTokens: prompt.promptTokens, outputTokens: 1, contentTimes: [0], end: 0)
        }
        #expect(await counter.most == 6)
    }
}
