/// How many of a pass's requests were waiting and how many running at each second of the pass,
/// derived from the client's own timings, so the same chart can be drawn for any server.
///
/// A request counts as *waiting* from when it was sent until its first token arrives (queued or in
/// prefill on the server), and as *running* from then until its stream ends (decoding). This is
/// the client's view of vLLM's `num_requests_waiting` / `num_requests_running`: a server that has
/// admitted a request but not yet sent its first token counts it as running, this as waiting.
/// Polling the server's `/metrics` instead would give the server's own split, but only for
/// servers that export it (llama-server needs `--metrics`, and names them differently), and a
/// poll once a second misses what happens between polls; every request's timings are exact.
public enum RequestTimeline {
    /// One sample per second of the pass, taken in the middle of that second (so requests sent
    /// at the very start count in second 0), of requests sent at ``RequestOutcome/sentAt``; a failed
    /// request counts as waiting until it failed.
    public static func perSecond(_ outcomes: [RequestOutcome], duration: Double) -> [TimelinePoint] {
        guard duration.isFinite, duration >= 0 else { return [] }
        return (0..<max(1, Int(duration.rounded(.up)))).map { second in
            let time = Double(second) + 0.5
            var point = TimelinePoint(second: second, running: 0, waiting: 0)
            for outcome in outcomes where outcome.sentAt <= time && time < outcome.sentAt + outcome.latency {
                let firstToken = outcome.succeeded ? outcome.sentAt + outcome.timeToFirstToken : .infinity
                if time < firstToken { point.waiting += 1 } else { point.running += 1 }
            }
            return point
        }
    }
}

/// The requests in flight at one second of a pass.
public struct TimelinePoint: Codable, Sendable, Equatable {
    /// Seconds since the pass started.
    public var second: Int
    /// Requests streaming their output.
    public var running: Int
    /// Requests sent and still waiting for their first token.
    public var waiting: Int

    public init(second: Int, running: Int, waiting: Int) {
        self.second = second
        self.running = running
        self.waiting = waiting
    }
}
