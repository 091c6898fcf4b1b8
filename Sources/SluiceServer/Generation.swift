import Logging
import SluiceEngine

/// The engine requests behind one API request, one per prompt, and their outputs merged into one
/// sequence.
///
/// Every way out of ``forEachOutput(_:)`` other than the end of all streams (the consumer
/// throwing because a write failed, the task being cancelled because the client went away)
/// aborts the engine requests at once, so their KV blocks are freed on the step thread's next turn.
struct Generation: Sendable {
    private let engine: Engine
    private let requestIDs: [RequestID]
    private let streams: [AsyncThrowingStream<RequestOutput, Error>]
    private let logger: Logger
    /// For engine errors met mid-generation, mapped as at submission.
    private let promptField: String
    private let retryAfterSeconds: Int

    /// Submits each prompt; engine request `p` is named `id` for a single prompt, `id-p` otherwise.
    ///
    /// A refusal (prompt too long, queue full …) becomes the matching ``APIError``, and any prompt
    /// already submitted is aborted, so a request runs whole or not at all.
    init(state: ServerState, id: String, prompts: [PreparedPrompt], params: SamplingParams, priority: Int = 0,
         promptField: String, logger: Logger) throws {
        engine = state.engine
        self.logger = logger
        self.promptField = promptField
        retryAfterSeconds = state.configuration.retryAfterSeconds
        requestIDs = prompts.indices.map { RequestID(prompts.count == 1 ? id : "\(id)-\($0)") }
        var streams: [AsyncThrowingStream<RequestOutput, Error>] = []
        for (prompt, requestID) in zip(prompts, requestIDs) {
            do {
                streams.append(try state.engine.generate(
                    prompt: .tokenIDs(prompt.tokenIDs), params: params, requestID: requestID, priority: priority,
                    // The prompts of one HTTP request take turns with other callers' requests.
                    group: id))
            } catch {
                for submitted in requestIDs.prefix(streams.count) { state.engine.abort(submitted) }
                throw APIError(engineError: error, promptField: promptField,
                               retryAfterSeconds: state.configuration.retryAfterSeconds) ?? error
            }
        }
        self.streams = streams
    }

    /// Runs `body` on every output, tagged with its prompt's index, in the order they arrive.
    ///
    /// An engine failure mid-generation is thrown as an ``APIError`` (a 500 whose cause is
    /// logged, unless it has a meaning for the client); errors from `body` and cancellation are
    /// rethrown as they are.
    func forEachOutput(_ body: (_ promptIndex: Int, RequestOutput) async throws -> Void) async throws {
        var completed = false
        defer {
            if !completed { for id in requestIDs { engine.abort(id) } }
        }
        if streams.count == 1 {
            var iterator = streams[0].makeAsyncIterator()
            while let output = try await next(&iterator) { try await body(0, output) }
        } else {
            try await forEachMerged(body)
        }
        // A cancelled iteration just ends; a client that went away must not look like a success.
        try Task.checkCancellation()
        completed = true
    }

    /// Feeds the outputs of several streams to `body`, one at a time, as they come.
    private func forEachMerged(_ body: (Int, RequestOutput) async throws -> Void) async throws {
        let (merged, continuation) = AsyncThrowingStream<(Int, RequestOutput), Error>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [streams] in
                do {
                    try await withThrowingTaskGroup(of: Void.self) { producers in
                        for (index, stream) in streams.enumerated() {
                            producers.addTask {
                                for try await output in stream { continuation.yield((index, output)) }
                            }
                        }
                        try await producers.waitForAll()
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            var iterator = merged.makeAsyncIterator()
            while let (index, output) = try await next(&iterator) { try await body(index, output) }
            try await group.waitForAll()
        }
    }

    /// The next element of an engine stream, with engine failures turned into API errors.
    private func next<Iterator: AsyncIteratorProtocol>(_ iterator: inout Iterator) async throws -> Iterator.Element? {
        do {
            return try await iterator.next()
        } catch let error as CancellationError {
            throw error
        } catch {
            if let mapped = APIError(engineError: error, promptField: promptField, retryAfterSeconds: retryAfterSeconds) {
                throw mapped
            }
            logger.error("generation failed: \(error)")
            throw APIError.internalError
        }
    }
}
