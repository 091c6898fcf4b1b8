/// Sends a pass's requests on their arrival schedule with at most `maxConcurrency` in flight, as
/// `vllm bench serve` does: a request that arrives while the limit is reached waits for a slot,
/// and its latencies are timed from when it is actually sent.
public struct LoadGenerator: Sendable {
    /// The most requests in flight at once; nil for no limit.
    public var maxConcurrency: Int?
    /// When each request arrives.
    public var arrivals: ArrivalSchedule

    public init(maxConcurrency: Int?, arrivals: ArrivalSchedule) {
        self.maxConcurrency = maxConcurrency
        self.arrivals = arrivals
    }

    /// Sends every prompt with `send` and returns the outcomes in prompt order and the seconds
    /// from the first send to the last response. `progress` hears each finished outcome.
    public func run(
        prompts: [BenchPrompt],
        send: @escaping @Sendable (BenchPrompt) async -> RequestOutcome,
        progress: (RequestOutcome) -> Void = { _ in }
    ) async -> (outcomes: [RequestOutcome], duration: Double) {
        precondition(arrivals.offsets.count >= prompts.count, "an arrival time for every prompt")
        let clock = ContinuousClock()
        let start = clock.now
        var finished: [(index: Int, outcome: RequestOutcome)] = []
        await withTaskGroup(of: (Int, RequestOutcome).self) { group in
            var inFlight = 0
            for (index, prompt) in prompts.enumerated() {
                let due = start.advanced(by: .seconds(arrivals.offsets[index]))
                if due > clock.now { try? await clock.sleep(until: due) }
                if let maxConcurrency, inFlight >= maxConcurrency, let (done, outcome) = await group.next() {
                    finished.append((done, outcome))
                    inFlight -= 1
                    progress(outcome)
                }
                group.addTask {
                    let sentAt = start.duration(to: clock.now).inSeconds
                    var outcome = await send(prompt)
                    outcome.sentAt = sentAt
                    return (index, outcome)
                }
                inFlight += 1
            }
            for await (done, outcome) in group {
                finished.append((done, outcome))
                progress(outcome)
            }
        }
        let duration = start.duration(to: clock.now).inSeconds
        return (finished.sorted { $0.index < $1.index }.map(\.outcome), duration)
    }
}
