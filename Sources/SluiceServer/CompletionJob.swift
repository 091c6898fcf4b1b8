import Logging
import SluiceEngine

/// One `/v1/completions` request after it was accepted: its prompts are in the engine, and this
/// turns their outputs into one response or a stream of chunks
/// (`CompletionJob+Streaming.swift`).
///
/// Choices are numbered as vLLM does: completion `i` of prompt `p` is choice `p * n + i`.
struct CompletionJob: Sendable {
    let state: ServerState
    let id: String
    let created: Int
    let prompts: [PreparedPrompt]
    let n: Int
    let echo: Bool
    let wantsLogprobs: Bool
    /// vLLM's `prompt_logprobs` count, when asked: each choice reports its prompt's.
    var promptLogprobs: Int? = nil
    let includeUsage: Bool
    /// Usage on every chunk too (`stream_options.continuous_usage_stats`).
    let continuousUsage: Bool
    let tokenOutputs: TokenOutputFields
    let generation: Generation
    let logger: Logger

    var numChoices: Int { prompts.count * n }

    func makeTally() -> RequestTally {
        RequestTally(requestID: id, numChoices: numChoices,
                     numPromptTokens: prompts.reduce(0) { $0 + $1.tokenIDs.count })
    }

    /// `prompt_logprobs` for a prompt, with only the alternatives asked for.
    func makePromptLogprobs(promptIndex: Int, _ logprobs: [SampledToken]) -> PromptLogprobs {
        PromptLogprobs(promptTokenIDs: prompts[promptIndex].tokenIDs, logprobs: logprobs,
                       numAlternatives: promptLogprobs ?? 0, tokenizer: state.tokenizer,
                       asTokenIDs: tokenOutputs.tokensAsTokenIDs)
    }

    /// Waits for every choice to finish and returns the whole response.
    func collect() async throws -> CompletionResponse {
        var tally = makeTally()
        var choices = (0..<numChoices).map { index in
            CompletionChoice(index: index, text: echo ? prompts[index / n].text : "",
                             logprobs: wantsLogprobs ? CompletionLogprobs() : nil,
                             promptTokenIDs: tokenOutputs.returnTokenIDs ? prompts[index / n].tokenIDs : nil,
                             tokenIDs: tokenOutputs.returnTokenIDs ? [] : nil)
        }
        var offsets = Array(repeating: 0, count: numChoices)
        do {
            try await generation.forEachOutput { promptIndex, output in
                let choice = promptIndex * n + output.index
                tally.record(output, choice: choice, metrics: state.metrics)
                choices[choice].text += output.text
                choices[choice].tokenIDs?.append(contentsOf: output.tokenIDs)
                if self.promptLogprobs != nil, let promptLogprobs = output.promptLogprobs {
                    choices[choice].promptLogprobs = makePromptLogprobs(promptIndex: promptIndex, promptLogprobs)
                }
                if echo, let promptLogprobs = output.promptLogprobs {
                    choices[choice].logprobs?.appendPrompt(
                        prompts[promptIndex].tokenIDs, logprobs: promptLogprobs, tokenizer: state.tokenizer,
                        offset: &offsets[choice], asTokenIDs: tokenOutputs.tokensAsTokenIDs)
                }
                if let sampled = output.logprobs {
                    choices[choice].logprobs?.append(sampled, tokenizer: state.tokenizer, offset: &offsets[choice],
                                                     asTokenIDs: tokenOutputs.tokensAsTokenIDs)
                }
                if let reason = output.finishReason {
                    choices[choice].finishReason = reason
                    choices[choice].stopReason = output.stopReason
                }
            }
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        return CompletionResponse(
            id: id, created: created, model: state.configuration.servedModelName, choices: choices,
            usage: Usage(promptTokens: tally.numPromptTokens, completionTokens: tally.totalOutputTokens,
                         cachedTokens: tally.numCachedPromptTokens(choicesPerPrompt: n)))
    }
}
