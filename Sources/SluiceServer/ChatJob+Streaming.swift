import Hummingbird
import SluiceEngine

extension ChatJob {
    /// Writes, as OpenAI does: a first chunk per choice with `delta: {role: "assistant", content: ""}`,
    /// then a chunk per output that adds text, log-probabilities or a finish reason, then the
    /// usage chunk (no choices) when asked, then `[DONE]`. With `continuous_usage_stats` every
    /// chunk carries the usage so far; with `return_token_ids` the opening chunks carry the
    /// prompt's ids and each later chunk its new tokens' ids.
    ///
    /// An engine failure after the stream started is sent as an error event before `[DONE]`, as
    /// vLLM does; a failed write or the client going away ends it by throwing.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        var heldText = Array(repeating: "", count: n)
        for index in 0..<n {
            let opening = ChatCompletionChunk.Choice(index: index, role: "assistant", content: "")
            var chunk = makeChunk([opening], usage: continuousUsage(tally))
            if tokenOutputs.returnTokenIDs { chunk.promptTokenIDs = promptTokenIDs }
            try await writer.write(ServerSentEvents.event(chunk))
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
                if let tools {
                    // Calls are read from the whole text, so a choice's text is held until it ends.
                    heldText[output.index] += output.text
                    guard let reason = output.finishReason else { return }
                    for chunk in toolCallChunks(tools.calls(in: heldText[output.index]), output: output, reason: reason) {
                        try await writer.write(ServerSentEvents.event(makeChunk([chunk], usage: nil)))
                    }
                    return
                }
                let tokenIDs = tokenOutputs.returnTokenIDs && !output.tokenIDs.isEmpty ? output.tokenIDs : nil
                guard !output.text.isEmpty || logprobs != nil || output.finishReason != nil || tokenIDs != nil
                else { return }
                let choice = ChatCompletionChunk.Choice(
                    index: output.index, content: output.text.isEmpty ? nil : output.text, logprobs: logprobs,
                    finishReason: output.finishReason, stopReason: output.stopReason, tokenIDs: tokenIDs)
                try await writer.write(ServerSentEvents.event(makeChunk([choice], usage: continuousUsage(tally))))
            }
        }
    }

    /// The chunks that end a choice of a request with tools: its text, or the text around its calls and
    /// then each call (index, id and name, then its arguments), then the finish reason (`tool_calls` when
    /// it made any).
    private func toolCallChunks(
        _ parsed: ParsedToolCalls, output: RequestOutput, reason: FinishReason
    ) -> [ChatCompletionChunk.Choice] {
        var chunks: [ChatCompletionChunk.Choice] = []
        if let content = parsed.content, !content.isEmpty || parsed.calls.isEmpty {
            chunks.append(ChatCompletionChunk.Choice(index: output.index, content: content))
        }
        for (index, call) in parsed.calls.enumerated() {
            let opening = ChatCompletionChunk.ToolCallDelta(index: index, id: ToolFields.makeCallID(), name: call.name,
                                                            arguments: "")
            chunks.append(ChatCompletionChunk.Choice(index: output.index, toolCalls: [opening]))
            let arguments = ChatCompletionChunk.ToolCallDelta(index: index, arguments: call.arguments)
            chunks.append(ChatCompletionChunk.Choice(index: output.index, toolCalls: [arguments]))
        }
        chunks.append(ChatCompletionChunk.Choice(index: output.index, finishReason: reason, stopReason: output.stopReason,
                                                 madeToolCalls: !parsed.calls.isEmpty))
        return chunks
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
