import Hummingbird
import Logging
import SluiceEngine

/// One `/v1/messages` request after it was accepted: its prompt is in the engine, and this
/// turns its outputs into one message or Anthropic's stream of events.
struct MessagesJob: Sendable {
    let state: ServerState
    let id: String
    let numPromptTokens: Int
    let generation: Generation
    let logger: Logger

    private var model: String { state.configuration.servedModelName }

    private func makeTally() -> RequestTally {
        RequestTally(requestID: id, numChoices: 1, numPromptTokens: numPromptTokens)
    }

    /// The usage once the message has finished, when the prefix cache's share of the prompt is known.
    private func usage(_ tally: RequestTally) -> MessagesUsage {
        MessagesUsage(numPromptTokens: numPromptTokens, numCachedTokens: tally.numCachedPromptTokens(choicesPerPrompt: 1),
                      outputTokens: tally.totalOutputTokens)
    }

    /// Waits for the message to finish and returns it whole.
    func collect() async throws -> MessagesResponse {
        var tally = makeTally()
        var text = ""
        var stop: MessagesStop?
        do {
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: 0, metrics: state.metrics)
                text += output.text
                if let reason = output.finishReason { stop = MessagesStop(finishReason: reason, stopReason: output.stopReason) }
            }
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        return MessagesResponse(id: id, model: model, text: text, stop: stop,
                                usage: usage(tally))
    }

    /// Writes Anthropic's event sequence (``MessagesStreamEvent``), one text block at index 0.
    ///
    /// An engine failure after the stream started is sent as an `error` event, as Anthropic
    /// does; a failed write or the client going away ends it by throwing.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        let start = MessagesResponse(id: id, model: model, text: nil, stop: nil,
                                     usage: MessagesUsage(numPromptTokens: numPromptTokens, numCachedTokens: nil, outputTokens: 0))
        try await writer.write(MessagesStreamEvent.messageStart(start).serverSentEvent())
        try await writer.write(MessagesStreamEvent.contentBlockStart(index: 0).serverSentEvent())
        try await writer.write(MessagesStreamEvent.ping.serverSentEvent())
        var stop: MessagesStop?
        do {
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: 0, metrics: state.metrics)
                if !output.text.isEmpty {
                    try await writer.write(MessagesStreamEvent.textDelta(index: 0, text: output.text).serverSentEvent())
                }
                if let reason = output.finishReason { stop = MessagesStop(finishReason: reason, stopReason: output.stopReason) }
            }
        } catch let error as APIError {
            tally.finish(logger: logger, metrics: state.metrics)
            try await writer.write(MessagesStreamEvent.errorEvent(error))
            return
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        try await writer.write(MessagesStreamEvent.contentBlockStop(index: 0).serverSentEvent())
        try await writer.write(MessagesStreamEvent.messageDelta(stop, usage: usage(tally)).serverSentEvent())
        try await writer.write(MessagesStreamEvent.messageStop.serverSentEvent())
    }
}
