import Hummingbird
import SluiceEngine

extension CompletionJob {
    /// Writes a chunk per output that adds text, log-probabilities or a finish reason, then the
    /// usage chunk when asked, then `[DONE]`. With `continuous_usage_stats` every chunk carries
    /// the usage so far; with `return_token_ids` each choice's first chunk carries its prompt's
    /// ids and every chunk its new tokens' ids.
    ///
    /// An engine failure after the stream started is sent as an error event before `[DONE]`, as
    /// vLLM does; a failed write or the client going away ends it by throwing.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        var offsets = Array(repeating: 0, count: numChoices)
        var started = Array(repeating: false, count: numChoices)
        try await ServerSentEvents.writeStream(
            to: &writer, tally: &tally, logger: logger, metrics: state.metrics, usageChunk: usageChunk
        ) { writer, tally in
            try await generation.forEachOutput { promptIndex, output in
                let choice = promptIndex * n + output.index
                tally.record(output, choice: choice, metrics: state.metrics)
                var text = output.text
                if echo, !started[choice] { text = prompts[promptIndex].text + text }
                let promptTokenIDs = tokenOutputs.returnTokenIDs && !started[choice] ? prompts[promptIndex].tokenIDs : nil
                started[choice] = true
                var logprobs: CompletionLogprobs?
                if wantsLogprobs, echo, let promptLogprobs = output.promptLogprobs {
                    // The echoed prompt's tokens lead the choice's first chunk.
                    var delta = CompletionLogprobs()
                    delta.appendPrompt(prompts[promptIndex].tokenIDs, logprobs: promptLogprobs, tokenizer: state.tokenizer,
                                       offset: &offsets[choice], asTokenIDs: tokenOutputs.tokensAsTokenIDs)
                    logprobs = delta
                }
                if wantsLogprobs, let sampled = output.logprobs, !sampled.isEmpty {
                    var delta = logprobs ?? CompletionLogprobs()
                    delta.append(sampled, tokenizer: state.tokenizer, offset: &offsets[choice],
                                 asTokenIDs: tokenOutputs.tokensAsTokenIDs)
                    logprobs = delta
                }
                let tokenIDs = tokenOutputs.returnTokenIDs && !output.tokenIDs.isEmpty ? output.tokenIDs : nil
                let prompt = self.promptLogprobs != nil
                    ? output.promptLogprobs.map { makePromptLogprobs(promptIndex: promptIndex, $0) } : nil
                guard !text.isEmpty || logprobs != nil || output.finishReason != nil || tokenIDs != nil
                    || promptTokenIDs != nil || prompt != nil else { return }
                var chunk = CompletionChoice(index: choice, text: text, logprobs: logprobs,
                                             finishReason: output.finishReason, stopReason: output.stopReason,
                                             promptTokenIDs: promptTokenIDs, tokenIDs: tokenIDs)
                chunk.promptLogprobs = prompt
                let usage = continuousUsage
                    ? Usage(promptTokens: tally.numPromptTokens, completionTokens: tally.totalOutputTokens) : nil
                try await writer.write(ServerSentEvents.event(makeChunk([chunk], usage: usage)))
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

    private func makeChunk(_ choices: [CompletionChoice], usage: Usage?) -> CompletionResponse {
        CompletionResponse(id: id, created: created, model: state.configuration.servedModelName,
                           choices: choices, usage: usage, writesNullUsage: includeUsage)
    }
}
