import SluiceTokenizer

/// The step thread's body: admits submissions, applies aborts, steps the core, turns its tokens
/// into outputs and yields them to each request's stream.
///
/// `@unchecked Sendable`: it is made on the caller's thread and handed to the step thread before
/// that thread starts; from then on only the step thread touches it.
final class EngineLoop: @unchecked Sendable {
    private let core: EngineCore
    private var processor: OutputProcessor
    private let inbox: EngineInbox
    private var continuations: [RequestID: AsyncThrowingStream<RequestOutput, Error>.Continuation] = [:]
    /// ``EngineCore/numSteps`` when step observers were last called.
    private var numStepsNotified = 0

    init(core: EngineCore, tokenizer: any Tokenizer, inbox: EngineInbox) {
        self.core = core
        processor = OutputProcessor(tokenizer: tokenizer)
        self.inbox = inbox
    }

    /// Runs until the inbox says stop.
    func run() {
        while true {
            let work = inbox.takeWork(busy: core.hasUnfinishedRequests)
            var finished: [RequestID] = []
            for submission in work.submissions { admit(submission, finished: &finished) }
            for id in work.aborts { abort(id, finished: &finished) }
            if work.stopping {
                for id in Array(continuations.keys) { abort(id, finished: &finished) }
                inbox.publish(EngineStats(core: core, numPendingRequests: 0), finished: finished)
                inbox.markStopped()
                return
            }
            if core.hasUnfinishedRequests { step(finished: &finished) }
            inbox.publish(EngineStats(core: core, numPendingRequests: 0), finished: finished)
        }
    }

    private func admit(_ submission: EngineInbox.Submission, finished: inout [RequestID]) {
        let id = submission.requestID
        let children = OutputProcessor.childRequests(
            requestID: id, promptTokenIDs: submission.promptTokenIDs, params: submission.params,
            priority: submission.priority)
        do {
            for child in children { try core.add(child) }
        } catch {
            for child in children { core.abort(child.requestID) }
            submission.continuation.finish(throwing: error)
            finished.append(id)
            return
        }
        processor.add(requestID: id, children: children, arrival: submission.arrival)
        continuations[id] = submission.continuation
    }

    private func abort(_ id: RequestID, finished: inout [RequestID]) {
        guard processor.isLive(id) else { return }
        let (outputs, childIDs) = processor.abort(id, at: .now)
        for child in childIDs { core.abort(child) }
        inbox.publish(EngineStats(core: core, numPendingRequests: 0), finished: [])
        let continuation = continuations.removeValue(forKey: id)
        for output in outputs { continuation?.yield(output) }
        continuation?.finish()
        finished.append(id)
    }

    private func step(finished: inout [RequestID]) {
        let updates: [EngineCore.Update]
        do {
            updates = try core.step()
        } catch {
            // Nothing can go on: every request in flight ends with the error.
            for id in Array(continuations.keys) {
                for child in processor.abort(id, at: .now).childIDs { core.abort(child) }
                continuations.removeValue(forKey: id)?.finish(throwing: error)
                finished.append(id)
            }
            return
        }
        if core.numSteps != numStepsNotified, let step = core.lastStep {
            numStepsNotified = core.numSteps
            inbox.notify(step)
        }
        let now = ContinuousClock.now
        processor.markScheduled(core.lastScheduledRequestIDs, at: now)
        let result = processor.process(updates, at: now)
        for (child, stop) in result.stoppedByString {
            core.finish(child, reason: .stop, stopReason: .string(stop))
        }
        finished += result.finishedRequestIDs
        // Stats first, so a caller that reads them after its last output sees its blocks freed.
        inbox.publish(EngineStats(core: core, numPendingRequests: 0), finished: finished)
        for output in result.outputs { continuations[output.requestID]?.yield(output) }
        for id in result.finishedRequestIDs { continuations.removeValue(forKey: id)?.finish() }
    }
}
