import Foundation

/// The hand-off from the step thread to the output thread: the step thread appends what each turn
/// produced and goes straight on to the next step; the output thread takes everything queued and
/// detokenizes, checks stop strings and yields it (vLLM v1's `AsyncLLM` output queue).
///
/// Events keep the step thread's order, so a request is always registered before its first token,
/// and its tokens come before an abort of it. `@unchecked Sendable`: `events` is touched only while
/// `condition` is locked; each event is made on the step thread and consumed once on the output thread.
final class OutputQueue: @unchecked Sendable {
    enum Event {
        /// A request the core admitted: its outputs go to `continuation`.
        case add(ParentRequest, AsyncThrowingStream<RequestOutput, Error>.Continuation)
        /// A request the core refused: its stream ends with `error`.
        case reject(RequestID, AsyncThrowingStream<RequestOutput, Error>.Continuation, any Error)
        /// One step's tokens.
        case outputs(EngineCoreOutputs)
        /// A caller's abort, applied in the core: every completion still streaming ends with `abort`.
        case abort(RequestID)
        /// A step failed: every request in flight ends with the error.
        case fail(any Error)
        /// Shutdown: end every stream, then report the engine stopped.
        case stop
    }

    private let condition = NSCondition()
    private var events: [Event] = []

    /// Queues a turn's events, in order.
    func send(_ new: [Event]) {
        guard !new.isEmpty else { return }
        condition.lock()
        events += new
        condition.signal()
        condition.unlock()
    }

    /// Takes every queued event, waiting while there is none.
    func take() -> [Event] {
        condition.lock()
        defer { condition.unlock() }
        while events.isEmpty { condition.wait() }
        let taken = events
        events.removeAll(keepingCapacity: true)
        return taken
    }
}
