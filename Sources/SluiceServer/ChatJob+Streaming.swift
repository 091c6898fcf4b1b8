import Hummingbird
import SluiceEngine

extension ChatJob {
    /// Writes, as OpenAI does: a first chunk per choice with `delta: {role: "assistant", content: ""}` (the last
    /// message's role instead without a generation prompt, as vLLM),
    /// then a chunk per output that adds text, log-probabilities or a finish reason, then the
    /// usage chunk (no choices) when asked, then `[DONE]`. With `continuous_usage_stats` every
    /// chunk carries the usage so far; with `return_token_ids` the opening chunks carry the
    /// prompt's ids and each later chunk its new tokens' ids. With `echo`, a chunk per choice with the echoed text
    /// follows the opening chunks, as vLLM sends it.
    ///
    /// An engine failure after the stream started is sent as an error event before `[DONE]`, as
    /// vLLM does; a failed write or the client going away ends it by throwing.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        var streamers = tools.map { tools in Array(repeating: ToolCallStreamer(tools: tools), count: n) } ?? []
        var thoughts = reasoning.map { parser in Array(repeating: ReasoningStreamer(parser: parser), count: n) } ?? []
        for index in 0..<n {
            let opening = ChatCompletionChunk.Choice(index: index, role: role, content: "")
            var chunk = makeChunk([opening], usage: continuousUsage(tally))
            if tokenOutputs.returnTokenIDs { chunk.promptTokenIDs = promptTokenIDs }
            try await writer.write(ServerSentEvents.event(chunk))
        }
        if let echoText {
            for index in 0..<n {
                let echoed = ChatCompletionChunk.Choice(index: index, content: echoText)
                try await writer.write(ServerSentEvents.event(makeChunk([echoed], usage: continuousUsage(tally))))
            }
        }
        try await ServerSentEvents.writeStream(
            to: &writer, tally: &tally, logger: logger, metrics: state.metrics, usageChunk: usageChunk
        ) { writer, tally in
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: output.index, metrics: state.metrics)
                var logprobs: ChatLogprobs?
                if wantsLogprobs, let sampled = output.logprobs, !sampled.isEmpty {
                    var delta = ChatLogprobs()
                    delta.append(sampled, tokenizer: state.tokenizer, asTokenIDs: tokenOutputs.tokensAsTokenIDs)
                    logprobs = delta
                }
                // The thought goes out as `reasoning_content`; only the answer is content or holds tool calls.
                var text = output.text
                var thought: String?
                if reasoning != nil {
                    var events = thoughts[output.index].feed(output.text)
                    if output.finishReason != nil { events += thoughts[output.index].finish() }
                    text = ""
                    for event in events {
                        switch event {
                        case .reasoning(let piece): thought = (thought ?? "") + piece
                        case .content(let piece): text += piece
                        }
                    }
                }
                if tools != nil {
                    if let thought {
                        let chunk = ChatCompletionChunk.Choice(index: output.index, reasoning: thought)
                        try await writer.write(ServerSentEvents.event(makeChunk([chunk], usage: nil)))
                    }
                    for chunk in toolCallChunks(streamers[output.index].feed(text), output: output) {
                        try await writer.write(ServerSentEvents.event(makeChunk([chunk], usage: nil)))
                    }
                    guard let reason = output.finishReason else { return }
                    var last = toolCallChunks(streamers[output.index].finish(), output: output)
                    last.append(ChatCompletionChunk.Choice(index: output.index, finishReason: reason, stopReason: output.stopReason,
                                                           madeToolCalls: streamers[output.index].numCalls > 0))
                    for chunk in last {
                        try await writer.write(ServerSentEvents.event(makeChunk([chunk], usage: nil)))
                    }
                    return
                }
                let tokenIDs = tokenOutputs.returnTokenIDs && !output.tokenIDs.isEmpty ? output.tokenIDs : nil
                guard !text.isEmpty || thought != nil || logprobs != nil || output.finishReason != nil || tokenIDs != nil
                else { return }
                let choice = ChatCompletionChunk.Choice(
                    index: output.index, content: text.isEmpty ? nil : text, logprobs: logprobs,
                    finishReason: output.finishReason, stopReason: output.stopReason, tokenIDs: tokenIDs, reasoning: thought)
                try await writer.write(ServerSentEvents.event(makeChunk([choice], usage: continuousUsage(tally))))
            }
        }
    }

    /// The chunks for a choice's tool-call events: content, a call's opening (index, id and name), and its
    /// arguments as they arrive.
    private func toolCallChunks(_ events: [ToolCallStreamer.Event], output: RequestOutput) -> [ChatCompletionChunk.Choice] {
        events.map { event in
            switch event {
            case .content(let text):
                return ChatCompletionChunk.Choice(index: output.index, content: text)
            case .callStart(let index, let name):
                let id = ToolFields.makeCallID(for: tools?.parserKind ?? .hermes)
                let opening = ChatCompletionChunk.ToolCallDelta(index: index, id: id, name: name, arguments: "")
                return ChatCompletionChunk.Choice(index: output.index, toolCalls: [opening])
            case .arguments(let index, let text):
                return ChatCompletionChunk.Choice(index: output.index, toolCalls: [.init(index: index, arguments: text)])
            }
        }
    }

    /// The usage chunk (no choices) when the request asked for it.
    private func usageChunk(_ tally: RequestTally) throws -> ByteBuffer? {
        guard includeUsage else { return nil }
        let usage = Usage(promptTokens: tally.numPromptTokens, completionTokens: tally.totalOutputTokens,
                          cachedTokens: tally.numCachedPromptTokens(choicesPerPrompt: n))
        return try ServerSentEvents.event(makeChunk([], usage: usage))
    }

    /// The usage so far, for a chunk, when the request asked for it on every chunk.
    private func continuousUsage(_ tally: RequestTally) -> Usage? {
        continuousUsage ? Usage(promptTokens: tally.numPromptTokens, completionTokens: tally.totalOutputTokens) : nil
    }

    private func makeChunk(_ choices: [ChatCompletionChunk.Choice], usage: Usage?) -> ChatCompletionChunk {
        ChatCompletionChunk(id: id, created: created, model: state.configuration.servedModelName,
                            choices: choices, usage: usage, writesNullUsage: includeUsage)
    }
}
