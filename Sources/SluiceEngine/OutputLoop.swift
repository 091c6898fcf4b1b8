/// The output thread's body: takes what the step thread queued, turns tokens into each request's
/// outputs with the ``OutputProcessor``, yields them to the callers' streams, and sends the
/// requests a stop string ended back through the inbox, so the step thread frees their blocks
/// on its next turn (vLLM v1's `AsyncLLM.output_handler` with `abort_requests` for `reqs_to_abort`).
///
/// `@unchecked Sendable`: it is made on the caller's thread and handed to the output thread before
/// that thread starts; from then on only the output thread touches it.
final class OutputLoop: @unchecked Sendable {
    private var processor: OutputProcessor
    private let queue: OutputQueue
    private let inbox: EngineInbox
    private var continuations: [RequestID: AsyncThrowingStream<RequestOutput, Error>.Continuation] = [:]

    init(processor: OutputProcessor, queue: OutputQueue, inbox: EngineInbox) {
        self.processor = processor
        self.queue = queue
        self.inbox = inbox
    }

    /// Runs until the step thread queues ``OutputQueue/Event/stop``.
    func run() {
        while true {
            for event in queue.take() {
                switch event {
                case .add(let parent, let continuation):
                    processor.add(parent)
                    continuations[parent.requestID] = continuation
                case .reject(let id, let continuation, let error):
                    continuation.finish(throwing: error)
                    inbox.release([id])
                case .outputs(let outputs):
                    if let step = outputs.step { inbox.notify(step) }
                    let result = processor.process(outputs)
                    inbox.finish(stoppedByString: result.stoppedByString)
                    deliver(result.outputs, finished: result.finishedRequestIDs)
                case .abort(let id):
                    guard processor.isLive(id) else { continue }
                    deliver(processor.abort(id, at: .now), finished: [id])
                case .fail(let error):
                    let failed = processor.liveRequestIDs
                    inbox.release(failed)
                    for id in failed {
                        _ = processor.abort(id, at: .now)
                        continuations.removeValue(forKey: id)?.finish(throwing: error)
                    }
                case .stop:
                    for id in processor.liveRequestIDs { deliver(processor.abort(id, at: .now), finished: [id]) }
                    inbox.markStopped()
                    return
                }
            }
        }
    }

    /// Yields each output to its request's stream, then ends the streams of `finished` requests.
    private func deliver(_ outputs: [RequestOutput], finished: [RequestID]) {
        // Released first, so a caller that sees its stream end may reuse the id at once.
        inbox.release(finished)
        for output in outputs { continuations[output.requestID]?.yield(output) }
        for id in finished { continuations.removeValue(forKey: id)?.finish() }
    }
}
