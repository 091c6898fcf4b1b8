import Hummingbird
import SluiceEngine
import SluiceTemplate

/// `POST /v1/chat/completions`, as vLLM's `OpenAIServingChat`: render the conversation with the
/// chat template, tokenize it, submit it with `n` completions, then answer with one JSON body or
/// a stream of events.
struct ChatCompletionsHandler: Sendable {
    let state: ServerState

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        var chat = try ChatCompletionRequest.decode(from: body)
        chat.tools?.parserKind = state.toolCallParser
        try state.checkModel(chat.model)
        // The request's tools reach the template as `tools`, as Hugging Face's `apply_chat_template` passes them.
        let variables = try ToolFields.variables(chat.template.variables, adding: chat.tools)
        let prompt = try state.prepareChat(
            chat.messages, addGenerationPrompt: chat.addGenerationPrompt,
            continueFinalMessage: chat.template.continueFinalMessage, variables: variables,
            addSpecialTokens: chat.addSpecialTokens)
        let maxTokens = try chat.maxTokens ?? defaultMaxTokens(numPromptTokens: prompt.tokenIDs.count)
        var params = try chat.sampling.samplingParams(maxTokens: maxTokens, logprobs: chat.engineLogprobs)
        // From the prefill's own passes, as on /v1/completions; a stream has nowhere to put them.
        if !chat.stream { params.promptLogprobs = chat.promptLogprobs }
        try await ToolFields.constrain(&params, format: chat.structuredOutput, tools: chat.tools,
                                       skipSpecialTokens: chat.sampling.skipSpecialTokens, state: state)
        let reasoning = state.reasoningParser(promptText: prompt.text, variables: variables)
        state.constrainAfterThought(&params, reasoning: reasoning)
        let id = "chatcmpl-\(RequestID.random().rawValue)"
        let generation = try Generation(state: state, id: id, prompts: [prompt], params: params,
                                        priority: chat.sampling.priority ?? 0, promptField: "messages", logger: context.logger)
        let job = ChatJob(
            state: state, id: id, created: ServerState.now(), promptTokenIDs: prompt.tokenIDs, n: params.n,
            wantsLogprobs: chat.logprobs, promptLogprobs: chat.stream ? nil : chat.promptLogprobs, includeUsage: chat.streamOptions?.includeUsage ?? false,
            continuousUsage: chat.streamOptions?.wantsContinuousUsage ?? false, tokenOutputs: chat.tokenOutputs,
            tools: chat.tools, reasoning: reasoning, echoText: chat.echoText, role: chat.responseRole,
            generation: generation, logger: context.logger)
        if chat.stream {
            return ServerSentEvents.response(for: request) { writer in try await job.stream(to: &writer) }
        }
        // As for completions: watching the inbound side cancels the collection when the client goes away.
        let response = try await request.body.consumeWithCancellationOnInboundClose { _ in try await job.collect() }
        return try JSONBody.response(response, headers: [.connection: "close"])
    }

    /// vLLM's default for chat: the rest of the context. It is also held to what the KV cache can
    /// hold, which may be less, so that a request without `max_tokens` is never refused for it.
    func defaultMaxTokens(numPromptTokens: Int) throws(APIError) -> Int {
        let config = state.engine.config
        let kvCapacity = config.kvCapacity.maxSequenceLength
        let room = min(config.maxModelLength, kvCapacity) - numPromptTokens
        guard room < 1 else { return room }
        if numPromptTokens >= config.maxModelLength {
            throw .badRequest(
                "This model's maximum context length is \(config.maxModelLength) tokens. However, your messages "
                    + "resulted in \(numPromptTokens) tokens. Please reduce the length of the messages.",
                param: "messages", code: "context_length_exceeded")
        }
        throw .badRequest(
            "Your messages resulted in \(numPromptTokens) tokens, which leaves no room to generate in the server's "
                + "KV cache of \(kvCapacity) tokens. Please reduce the length of the messages.",
            param: "messages", code: "context_length_exceeded")
    }
}
