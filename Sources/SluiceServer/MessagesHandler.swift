import Hummingbird
import SluiceEngine

/// `POST /v1/messages`, Anthropic's Messages API (as vLLM serves it): the conversation goes
/// through the model's chat template as chat completions do, and every answer, errors included,
/// is in Anthropic's shape.
struct MessagesHandler: Sendable {
    let state: ServerState

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        do {
            return try await respond(request, context: context)
        } catch let error as APIError {
            // The error middleware would write OpenAI's shape; Anthropic's clients read their own.
            context.logger.info("\(request.method) \(request.uri.path) refused with \(error.status.code): \(error.message)")
            return error.anthropicResponse()
        }
    }

    private func respond(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let messages = try MessagesRequest.decode(from: body)
        try state.checkModel(messages.model)
        // A last assistant turn is a prefill: the model continues its text, as Anthropic's API does.
        let prompt = try state.prepareChat(
            messages.conversation, addGenerationPrompt: !messages.continuesAssistantTurn,
            continueFinalMessage: messages.continuesAssistantTurn, addSpecialTokens: false)
        let params = try messages.sampling.samplingParams(maxTokens: messages.maxTokens, logprobs: nil)
        let id = "msg_\(RequestID.random().rawValue)"
        let generation = try Generation(state: state, id: id, prompts: [prompt], params: params,
                                        promptField: "messages", logger: context.logger)
        let job = MessagesJob(state: state, id: id, numPromptTokens: prompt.tokenIDs.count,
                              generation: generation, logger: context.logger)
        if messages.stream {
            return ServerSentEvents.response(for: request) { writer in try await job.stream(to: &writer) }
        }
        let response = try await request.body.consumeWithCancellationOnInboundClose { _ in try await job.collect() }
        return try JSONBody.response(response, headers: [.connection: "close"])
    }
}
