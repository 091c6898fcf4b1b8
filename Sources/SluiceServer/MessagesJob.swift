import Hummingbird
import Logging
import SluiceEngine

/// One `/v1/messages` request after it was accepted: its prompt is in the engine, and this
/// turns its outputs into one message or Anthropic's stream of events.
struct MessagesJob: Sendable {
    let state: ServerState
    let id: String
    let numPromptTokens: Int
    /// With `--reasoning-parser`: the thought becomes a `thinking` block before the text.
    var reasoning: ReasoningParser? = nil
    /// The request's tools: calls become `tool_use` blocks, read by chat's parser and streamer.
    var tools: ToolFields? = nil
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
        let parsed = reasoning?.parse(text)
        var answer = parsed.map { $0.content ?? "" } ?? text
        var toolUses: [ToolUseBlock] = []
        if let calls = tools?.calls(in: answer), !calls.calls.isEmpty {
            answer = calls.content ?? ""
            toolUses = calls.calls.map(ToolUseBlock.init(call:))
            if stop?.reason == "end_turn" || stop?.reason == "stop_sequence" { stop = MessagesStop(reason: "tool_use", sequence: nil) }
        }
        return MessagesResponse(id: id, model: model, text: answer, thinking: parsed?.reasoning, stop: stop, usage: usage(tally),
                                toolUses: toolUses)
    }

    /// Writes Anthropic's event sequence (``MessagesStreamEvent``): one text block, after a thinking block
    /// when a reasoning parser finds a thought, and with tools a `tool_use` block per call (the answer goes through
    /// ``ToolCallStreamer``, chat's). With a reasoning parser or tools, blocks open as their first text
    /// arrives (a thinking block at index 0, the text block after it; a message with no text and no call still
    /// gets its text block); `ping` follows the first `content_block_start`, as in Anthropic's streams.
    ///
    /// An engine failure after the stream started is sent as an `error` event, as Anthropic
    /// does; a failed write or the client going away ends it by throwing.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        let start = MessagesResponse(id: id, model: model, text: nil, stop: nil,
                                     usage: MessagesUsage(numPromptTokens: numPromptTokens, numCachedTokens: nil, outputTokens: 0))
        try await writer.write(MessagesStreamEvent.messageStart(start).serverSentEvent())
        var blocks = BlockSequence()
        if reasoning == nil, tools == nil {
            // Only a text block can come: it opens at once, as Anthropic opens it.
            for event in blocks.switchTo(thinking: false) { try await writer.write(event.serverSentEvent()) }
        }
        var thoughts = reasoning.map(ReasoningStreamer.init(parser:))
        var calls = tools.map(ToolCallStreamer.init(tools:))
        var stop: MessagesStop?
        do {
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: 0, metrics: state.metrics)
                var events: [ReasoningStreamer.Event] = [.content(output.text)]
                if var streamer = thoughts {
                    events = streamer.feed(output.text)
                    if output.finishReason != nil { events += streamer.finish() }
                    thoughts = streamer
                }
                var blockEvents: [MessagesStreamEvent] = []
                for event in events {
                    guard case .content(let text) = event, var streamer = calls else {
                        blockEvents += blocks.events(for: event)
                        continue
                    }
                    for piece in streamer.feed(text) { blockEvents += blocks.events(forCall: piece) }
                    calls = streamer
                }
                if output.finishReason != nil, var streamer = calls {
                    for piece in streamer.finish() { blockEvents += blocks.events(forCall: piece) }
                    calls = streamer
                }
                for event in blockEvents { try await writer.write(event.serverSentEvent()) }
                if let reason = output.finishReason {
                    stop = MessagesStop(finishReason: reason, stopReason: output.stopReason, madeToolCalls: (calls?.numCalls ?? 0) > 0)
                }
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
        for event in blocks.finish() { try await writer.write(event.serverSentEvent()) }
        try await writer.write(MessagesStreamEvent.messageDelta(stop, usage: usage(tally)).serverSentEvent())
        try await writer.write(MessagesStreamEvent.messageStop.serverSentEvent())
    }

    /// Which content block is open, and the events that open, fill and close blocks as text and calls arrive.
    struct BlockSequence {
        private enum Kind: Equatable { case text, thinking, toolUse }

        private var open: (index: Int, kind: Kind)?
        private var count = 0

        mutating func events(for piece: ReasoningStreamer.Event) -> [MessagesStreamEvent] {
            let (text, thinking): (String, Bool)
            switch piece {
            case .reasoning(let value): (text, thinking) = (value, true)
            case .content(let value): (text, thinking) = (value, false)
            }
            guard !text.isEmpty else { return [] }
            var events = switchTo(thinking: thinking)
            let index = open!.index
            events.append(thinking ? .thinkingDelta(index: index, thinking: text) : .textDelta(index: index, text: text))
            return events
        }

        /// The events for a piece of the answer as ``ToolCallStreamer`` reads it: text, a call's opening (a new
        /// `tool_use` block), or its arguments.
        mutating func events(forCall piece: ToolCallStreamer.Event) -> [MessagesStreamEvent] {
            switch piece {
            case .content(let text):
                return events(for: .content(text))
            case .callStart(_, let name):
                return openBlock(.toolUse) { .toolUseBlockStart(index: $0, id: ToolUseBlock.makeID(), name: name) }
            case .arguments(_, let text):
                guard let open, open.kind == .toolUse, !text.isEmpty else { return [] }
                return [.inputJSONDelta(index: open.index, partialJSON: text)]
            }
        }

        /// Closes the last block, opening an empty text block first when none was opened (a thought cut off by
        /// `max_tokens` ends without a text block, as the whole message has none).
        mutating func finish() -> [MessagesStreamEvent] {
            var events: [MessagesStreamEvent] = []
            if count == 0 { events += switchTo(thinking: false) }
            if let open { events.append(.contentBlockStop(index: open.index)) }
            open = nil
            return events
        }

        /// The events that make a block of this kind the open one.
        mutating func switchTo(thinking: Bool) -> [MessagesStreamEvent] {
            let kind: Kind = thinking ? .thinking : .text
            if let open, open.kind == kind { return [] }
            return openBlock(kind) { .contentBlockStart(index: $0, thinking: thinking) }
        }

        /// Closes the open block and opens the next, `start` writing its `content_block_start`.
        private mutating func openBlock(_ kind: Kind, _ start: (Int) -> MessagesStreamEvent) -> [MessagesStreamEvent] {
            var events: [MessagesStreamEvent] = []
            if let open { events.append(.contentBlockStop(index: open.index)) }
            open = (count, kind)
            events.append(start(count))
            if count == 0 { events.append(.ping) }
            count += 1
            return events
        }
    }
}
