/// The step thread's body: applies what the inbox brought (stop-string finishes, submissions,
/// aborts), runs one ``EngineCore/step()``, publishes stats, and hands the step's tokens to the
/// output thread without waiting for them to become text (ARCHITECTURE.md, "The online engine").
///
/// `@unchecked Sendable`: it is made on the caller's thread and handed to the step thread before
/// that thread starts; from then on only the step thread touches it.
final class EngineLoop: @unchecked Sendable {
    private let core: EngineCore
    private let inbox: EngineInbox
    private let outputs: OutputQueue
    /// This turn's events for the output thread, reused from turn to turn.
    private var events: [OutputQueue.Event] = []
    /// Takes each turn's prefix-cache changes, when someone subscribes to them.
    private let kvEventSink: (any KVEventSink)?

    init(core: EngineCore, inbox: EngineInbox, outputs: OutputQueue, kvEventSink: (any KVEventSink)? = nil) {
        self.core = core
        self.inbox = inbox
        self.outputs = outputs
        self.kvEventSink = kvEventSink
        if kvEventSink != nil { core.recordKVEvents() }
    }

    /// Runs until the inbox says stop.
    func run() {
        while true {
            let work = inbox.takeWork(busy: core.hasUnfinishedRequests)
            events.removeAll(keepingCapacity: true)
            // First, so that a caller's id a stop string just freed can be submitted again.
            for (child, stop) in work.stoppedByString { core.finish(child, reason: .stop, stopReason: .string(stop)) }
            for submission in work.submissions {
                do {
                    events.append(.add(try core.add(submission.request), submission.continuation))
                } catch {
                    events.append(.reject(submission.request.requestID, submission.continuation, error))
                }
            }
            for id in work.aborts {
                core.abort(id)
                events.append(.abort(id))
            }
            if work.stopping {
                core.abortAll()
                events.append(.stop)
                inbox.publish(EngineStats(core: core))
                outputs.send(events)
                return
            }
            if core.hasUnfinishedRequests {
                do {
                    let stepOutputs = try core.step()
                    if !stepOutputs.isEmpty { events.append(.outputs(stepOutputs)) }
                } catch {
                    // Nothing can go on: every request in flight ends with the error.
                    core.abortAll()
                    events.append(.fail(error))
                }
            }
            // One batch per turn, as vLLM publishes one per step; the cached set goes with it so
            // that a caller can compare it with what a subscriber rebuilt.
            if let kvEventSink {
                let kvEvents = core.takeKVEvents()
                if !kvEvents.isEmpty {
                    kvEventSink.publish(kvEvents)
                    inbox.publish(cachedBlockHashes: core.cachedBlockHashes)
                }
            }
            // Stats first, so a caller that reads them after its last output sees its blocks freed.
            inbox.publish(EngineStats(core: core))
            outputs.send(events)
        }
    }
}
