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
    /// Under `--reasoning-parser`: the thought becomes a `reasoning` item before the answer's items.
    var reasoning: ReasoningParser? = nil
    let generation: Generation
    let logger: Logger

    private func makeTally() -> RequestTally {
        RequestTally(requestID: id, numChoices: 1, numPromptTokens: numPromptTokens)
    }

    /// The response object in `status`, with the output items so far.
    private func response(status: String, output: [ResponseOutputItem], tally: RequestTally?,
                          error: APIError? = nil) -> ResponseObject {
        let usage = tally.map {
            ResponseUsage(inputTokens: numPromptTokens, cachedTokens: $0.numCachedPromptTokens(choicesPerPrompt: 1) ?? 0,
                          outputTokens: $0.totalOutputTokens)
        }
        return ResponseObject(
            id: id, createdAt: createdAt, model: state.configuration.servedModelName, status: status, output: output,
            usage: usage, error: error, instructions: request.instructions, maxOutputTokens: request.maxOutputTokens,
            temperature: params.temperature, topP: params.topP, textFormat: request.textFormat, toolsEcho: request.toolsEcho)
    }

    /// The output items of the whole text: its thought first under a reasoning parser (alone when the output
    /// ended inside it), then the answer's.
    func outputItems(text: String, status: String) -> [ResponseOutputItem] {
        guard let reasoning else { return answerItems(text: text, status: status) }
        let parsed = reasoning.parse(text)
        guard let thought = parsed.reasoning else { return answerItems(text: parsed.content ?? "", status: status) }
        let item = ResponseOutputItem.reasoning(ResponseReasoningItem(status: status, text: thought))
        guard let content = parsed.content else { return [item] }
        return [item] + answerItems(text: content, status: status)
    }

    /// The items of the answer: with tools, the calls the parser reads in it, after the message when text is left
    /// around them.
    private func answerItems(text: String, status: String) -> [ResponseOutputItem] {
        guard let tools = request.tools else {
            return [.message(ResponseOutputMessage(id: messageID, status: status, text: text))]
        }
        let parsed = tools.calls(in: text)
        guard !parsed.calls.isEmpty else {
            return [.message(ResponseOutputMessage(id: messageID, status: status, text: parsed.content ?? ""))]
        }
        var items: [ResponseOutputItem] = []
        if let content = parsed.content, !content.isEmpty {
            items.append(.message(ResponseOutputMessage(id: messageID, status: status, text: content)))
        }
        for call in parsed.calls {
            items.append(.functionCall(ResponseFunctionCall(name: call.name, arguments: call.arguments, status: status)))
        }
        return items
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
        return response(status: status, output: outputItems(text: text, status: status), tally: tally)
    }

    /// Writes the typed events (``ResponseStreamEvent``); an engine failure after the stream
    /// started ends it with `response.failed`, a failed write or the client going away by throwing.
    /// With tools the text goes through ``ToolCallStreamer``, chat's, so calls stream as they are written; under a
    /// reasoning parser it goes through ``ReasoningStreamer`` first, and only the answer reaches the calls.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        var sequenceNumber = 0
        func send(_ events: [ResponseStreamEvent], _ writer: inout any ResponseBodyWriter) async throws {
            for event in events {
                try await writer.write(event.serverSentEvent(sequenceNumber: sequenceNumber))
                sequenceNumber += 1
            }
        }
        let opening = response(status: "in_progress", output: [], tally: nil)
        try await send([.created(opening), .inProgress(opening)], &writer)
        var items = ResponseOutputSequence(messageID: messageID)
        var streamer = request.tools.map(ToolCallStreamer.init(tools:))
        var thoughts = reasoning.map(ReasoningStreamer.init(parser:))
        if streamer == nil, thoughts == nil { try await send(items.openMessageNow(), &writer) }
        var finishReason: FinishReason?
        do {
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: 0, metrics: state.metrics)
                var answer = output.text
                if var split = thoughts {
                    var events = split.feed(output.text)
                    if output.finishReason != nil { events += split.finish() }
                    thoughts = split
                    answer = ""
                    for event in events {
                        switch event {
                        case .reasoning(let text): try await send(items.reasoningEvents(text), &writer)
                        case .content(let text): answer += text
                        }
                    }
                }
                var pieces: [ToolCallStreamer.Event] = [.content(answer)]
                if var tools = streamer {
                    pieces = tools.feed(answer)
                    if output.finishReason != nil { pieces += tools.finish() }
                    streamer = tools
                }
                for piece in pieces { try await send(items.events(for: piece), &writer) }
                if let reason = output.finishReason { finishReason = reason }
            }
        } catch let error as APIError {
            tally.finish(logger: logger, metrics: state.metrics)
            let failed = response(status: "failed", output: items.items(openStatus: "incomplete"), tally: tally, error: error)
            try await send([.finished(failed)], &writer)
            return
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        let status = ResponseObject.status(for: finishReason)
        try await send(items.finish(status: status), &writer)
        try await send([.finished(response(status: status, output: items.closed, tally: tally))], &writer)
    }
}
