import Hummingbird
import SluiceEngine

/// `POST /v1/chat/completions/render` and `POST /v1/completions/render`, as vLLM serves them for
/// routers and disaggregated serving: the request is checked and rendered exactly as its
/// generating endpoint would (template, tokens, sampling defaults, limits), and the result is
/// returned instead of generated: one ``RenderedRequest`` for chat, an array of them (one per
/// prompt) for completions.
struct RenderHandler: Sendable {
    let state: ServerState

    func chat(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let chat = try ChatCompletionRequest.decode(from: body)
        try state.checkModel(chat.model)
        let prompt = try state.prepareChat(
            chat.messages, addGenerationPrompt: chat.addGenerationPrompt,
            continueFinalMessage: chat.template.continueFinalMessage, variables: chat.template.variables,
            addSpecialTokens: chat.addSpecialTokens)
        let maxTokens = try chat.maxTokens
            ?? ChatCompletionsHandler(state: state).defaultMaxTokens(numPromptTokens: prompt.tokenIDs.count)
        let params = try chat.sampling.samplingParams(maxTokens: maxTokens, logprobs: chat.engineLogprobs)
        let rendered = try check(RenderedRequest(
            requestID: "chatcmpl-\(RequestID.random().rawValue)", prompt: prompt, params: params,
            model: state.configuration.servedModelName, stream: chat.stream, priority: chat.sampling.priority ?? 0),
            promptField: "messages")
        return try JSONBody.response(rendered)
    }

    func completions(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let completion = try CompletionRequest.decode(from: body)
        try state.checkModel(completion.model)
        let params = try completion.sampling.samplingParams(
            maxTokens: completion.maxTokens ?? CompletionRequest.defaultMaxTokens, logprobs: completion.logprobs)
        try state.checkPromptCount(completion.prompts.count)
        let id = "cmpl-\(RequestID.random().rawValue)"
        let rendered = try completion.prompts.enumerated().map { index, input in
            let prompt = try state.prepare(input, addSpecialTokens: completion.addSpecialTokens)
            return try check(RenderedRequest(
                requestID: completion.prompts.count == 1 ? id : "\(id)-\(index)", prompt: prompt, params: params,
                model: state.configuration.servedModelName, stream: completion.stream,
                priority: completion.sampling.priority ?? 0),
                promptField: "prompt")
        }
        return try JSONBody.response(rendered)
    }

    /// Refuses what the engine would refuse at submission (sampling ranges, token ids, context
    /// and KV limits, priority), with the same 400s.
    private func check(_ rendered: RenderedRequest, promptField: String) throws -> RenderedRequest {
        do {
            _ = try state.engine.validator.validate(
                requestID: RequestID(rendered.requestID), promptTokenIDs: rendered.prompt.tokenIDs,
                params: rendered.params, priority: rendered.priority)
        } catch {
            throw APIError(engineError: error, promptField: promptField,
                           retryAfterSeconds: state.configuration.retryAfterSeconds) ?? error
        }
        return rendered
    }
}
