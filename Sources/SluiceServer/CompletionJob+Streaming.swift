import Hummingbird
import SluiceEngine

extension CompletionJob {
    /// Writes a chunk per output that adds text, log-probabilities or a finish reason, then the
    /// usage chunk when asked, then `[DONE]`.
    ///
    /// An engine failure after the stream started is sent as an error event before `[DONE]`, as
    /// vLLM does; a failed write or the client going away ends it by throwing.
    func stream(to writer: inout any ResponseBodyWriter) async throws {
        var tally = makeTally()
        var offsets = Array(repeating: 0, count: numChoices)
        var started = Array(repeating: false, count: numChoices)
        do {
            try await generation.forEachOutput { promptIndex, output in
                let choice = promptIndex * n + output.index
                tally.record(output, choice: choice, metrics: state.metrics)
                var text = output.text
                if echo, !started[choice] { text = prompts[promptIndex].text + text }
                started[choice] = true
                var logprobs: CompletionLogprobs?
                if wantsLogprobs, let sampled = output.logprobs, !sampled.isEmpty {
                    var delta = CompletionLogprobs()
                    delta.append(sampled, tokenizer: state.tokenizer, offset: &offsets[choice])
                    logprobs = delta
                }
                guard !text.isEmpty || logprobs != nil || output.finishReason != nil else { return }
                let chunk = CompletionChoice(index: choice, text: text, logprobs: logprobs,
                                             finishReason: output.finishReason, stopReason: output.stopReason)
                try await writer.write(ServerSentEvents.event(makeChunk([chunk], usage: nil)))
            }
        } catch let error as APIError {
            tally.finish(logger: logger, metrics: state.metrics)
            try await writer.write(ServerSentEvents.errorEvent(error))
            try await writer.write(ServerSentEvents.done)
            return
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        if includeUsage {
            let usage = Usage(promptTokens: tally.numPromptTokens, completionTokens: tally.totalOutputTokens)
            try await writer.write(ServerSentEvents.event(makeChunk([], usage: usage)))
        }
        try await writer.write(ServerSentEvents.done)
    }

    private func makeChunk(_ choices: [CompletionChoice], usage: Usage?) -> CompletionResponse {
        CompletionResponse(id: id, created: created, model: state.configuration.servedModelName,
                           choices: choices, usage: usage, writesNullUsage: includeUsage)
    }
}
