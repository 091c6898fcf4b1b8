import Logging
import SluiceEngine

/// One `/v1/chat/completions` request after it was accepted: its prompt is in the engine, and
/// this turns its outputs into one response or a stream of chunks (`ChatJob+Streaming.swift`).
struct ChatJob: Sendable {
    let state: ServerState
    let id: String
    let created: Int
    let promptTokenIDs: [Int]
    let n: Int
    let wantsLogprobs: Bool
    /// vLLM's `prompt_logprobs` count, when asked: the response reports the rendered prompt's.
    var promptLogprobs: Int? = nil
    let includeUsage: Bool
    /// Usage on every chunk too (`stream_options.continuous_usage_stats`).
    let continuousUsage: Bool
    let tokenOutputs: TokenOutputFields
    /// The request's tools: a choice's calls are read from its whole text, or streamed as they are written.
    var tools: ToolFields? = nil
    /// With `--reasoning-parser`: the thought is taken out of each choice's text before its tool calls are read.
    var reasoning: ReasoningParser? = nil
    /// With `echo`: the text each choice's content starts with (``ChatCompletionRequest/echoText``).
    var echoText: String? = nil
    /// The answer's role (``ChatCompletionRequest/responseRole``).
    var role = "assistant"
    let generation: Generation
    let logger: Logger

    var numPromptTokens: Int { promptTokenIDs.count }

    func makeTally() -> RequestTally {
        RequestTally(requestID: id, numChoices: n, numPromptTokens: numPromptTokens)
    }

    /// Waits for every choice to finish and returns the whole response.
    func collect() async throws -> ChatCompletionResponse {
        var tally = makeTally()
        var choices = (0..<n).map { index in
            ChatCompletionResponse.Choice(index: index, role: role, content: "", logprobs: wantsLogprobs ? ChatLogprobs() : nil,
                                          tokenIDs: tokenOutputs.returnTokenIDs ? [] : nil)
        }
        var prompt: PromptLogprobs?
        do {
            try await generation.forEachOutput { _, output in
                tally.record(output, choice: output.index, metrics: state.metrics)
                // Every choice shares the prompt; the first output that carries its log-probabilities gives them.
                if prompt == nil, let wanted = promptLogprobs, let logprobs = output.promptLogprobs {
                    prompt = PromptLogprobs(promptTokenIDs: promptTokenIDs, logprobs: logprobs, numAlternatives: wanted,
                                            tokenizer: state.tokenizer, asTokenIDs: tokenOutputs.tokensAsTokenIDs)
                }
                choices[output.index].content += output.text
                choices[output.index].tokenIDs?.append(contentsOf: output.tokenIDs)
                if let sampled = output.logprobs {
                    choices[output.index].logprobs?.append(sampled, tokenizer: state.tokenizer,
                                                           asTokenIDs: tokenOutputs.tokensAsTokenIDs)
                }
                if let reason = output.finishReason {
                    choices[output.index].finishReason = reason
                    choices[output.index].stopReason = output.stopReason
                }
            }
        } catch {
            tally.finish(logger: logger, metrics: state.metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: state.metrics)
        if let reasoning {
            for index in choices.indices {
                let parsed = reasoning.parse(choices[index].content)
                choices[index].reasoning = parsed.reasoning
                choices[index].content = parsed.content ?? ""
            }
        }
        if let tools {
            for index in choices.indices {
                let parsed = tools.calls(in: choices[index].content)
                guard !parsed.calls.isEmpty else { continue }
                choices[index].content = parsed.content ?? ""
                choices[index].toolCalls = parsed.calls
                choices[index].toolCallIDs = parsed.calls.map { _ in ToolFields.makeCallID(for: tools.parserKind) }
            }
        }
        if let echoText {
            for index in choices.indices { choices[index].content = echoText + choices[index].content }
        }
        return ChatCompletionResponse(
            id: id, created: created, model: state.configuration.servedModelName, choices: choices,
            usage: Usage(promptTokens: numPromptTokens, completionTokens: tally.totalOutputTokens,
                         cachedTokens: tally.numCachedPromptTokens(choicesPerPrompt: n)),
            promptTokenIDs: tokenOutputs.returnTokenIDs ? promptTokenIDs : nil, promptLogprobs: prompt)
    }
}
