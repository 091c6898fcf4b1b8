import Hummingbird
import Logging
import SluiceEngine

/// One `/v1/responses` request after it was accepted: its prompt is in the engine, and this
/// turns its outputs into one response object or the typed event stream.
struct ResponsesJob: Sendable {
    let state: ServerState
    let id: String
    let messageID: String
    let createdAt: Int
    let numPromptTokens: Int
    let request: ResponsesRequest
    let params: SamplingParams
    let generation: Generation
    let logger: Logger

    private func makeTally() -> RequestTally {
        RequestTally(requestID: id, numChoices: 1, numPromptTokens: numPromptTokens)
    }

    /// The response object in `status`, with the message as far as `text` goes.
    private func response(status: String, message: ResponseOutputMessage?, tally: RequestTally?,
                          error: APIError? = nil) -> ResponseObject {
        let usage = tally.map {
            ResponseUsage(inputTokens: numPromptTokens, cachedTokens: $0.numCachedPromptTokens(choicesPerPrompt: 1) ?? 0,
                          outputTokens: $0.totalOutputTokens)
        }
        return ResponseObject(
            id: id, createdAt: createdAt, model: state.configuration.servedModelName, status: status, message: message,
            usage: usage, error: error, instructions: request.instructions, maxOutputTokens: request.maxOutputTokens,
            temperature: params.temperature, topP: params.topP, textFormat: request.textFormat)
    }

    /// Waits for the output to finish and returns the whole response.
    func collect() async throws -> ResponseObject {
        var tally = makeTally()
        var text = ""
        var finishReason: FinishReason?
        do {
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: 0, metrics: state.metrics)
                text += output.text
                if let reason = output.finishReason { finishReason = reason }
            }
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        let status = ResponseObject.status(for: finishReason)
        return response(status: status, message: ResponseOutputMessage(id: messageID, status: status, text: text),
                        tally: tally)
    }

    /// Writes the typed events (``ResponseStreamEvent``); an engine failure after the stream
    /// started ends it with `response.failed`, a failed write or the client going away by throwing.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        var sequenceNumber = 0
        func send(_ event: ResponseStreamEvent, _ writer: inout any ResponseBodyWriter) async throws {
            try await writer.write(event.serverSentEvent(sequenceNumber: sequenceNumber))
            sequenceNumber += 1
        }
        let opening = response(status: "in_progress", message: nil, tally: nil)
        try await send(.created(opening), &writer)
        try await send(.inProgress(opening), &writer)
        try await send(.outputItemAdded(ResponseOutputMessage(id: messageID, status: "in_progress", text: nil)), &writer)
        try await send(.contentPartAdded(itemID: messageID), &writer)
        var text = ""
        var finishReason: FinishReason?
        do {
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: 0, metrics: state.metrics)
                if !output.text.isEmpty {
                    text += output.text
                    try await send(.outputTextDelta(itemID: messageID, delta: output.text), &writer)
                }
                if let reason = output.finishReason { finishReason = reason }
            }
        } catch let error as APIError {
            tally.finish(logger: logger, metrics: state.metrics)
            let message = ResponseOutputMessage(id: messageID, status: "incomplete", text: text)
            try await send(.finished(response(status: "failed", message: message, tally: tally, error: error)), &writer)
            return
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        let status = ResponseObject.status(for: finishReason)
        let message = ResponseOutputMessage(id: messageID, status: status, text: text)
        try await send(.outputTextDone(itemID: messageID, text: text), &writer)
        try await send(.contentPartDone(itemID: messageID, text: text), &writer)
        try await send(.outputItemDone(message), &writer)
        try await send(.finished(response(status: status, message: message, tally: tally)), &writer)
    }
}
