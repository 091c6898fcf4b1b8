import Hummingbird
import SluiceEngine

/// `POST /v1/messages`, Anthropic's Messages API (as vLLM serves it): the conversation goes
/// through the model's chat template as chat completions do, and every answer, errors included,
/// is in Anthropic's shape.
struct MessagesHandler: Sendable {
    let state: ServerState

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        try await answeringInAnthropicShape(request, context: context) { try await respond(request, context: context) }
    }

    /// `POST /v1/messages/count_tokens`: the prompt's tokens as the conversation would be
    /// rendered, `{"input_tokens": N}`; nothing is generated.
    func countTokens(_ request: Request, context: some RequestContext) async throws -> Response {
        try await answeringInAnthropicShape(request, context: context) {
            var request = request
            let body = try await request.collectBody(limit: state.configuration.maxBodySize)
            let messages = try MessagesRequest.decode(from: body, requiresMaxTokens: false)
            try state.checkModel(messages.model)
            let prompt = try prepare(messages)
            return try JSONBody.response(["input_tokens": prompt.tokenIDs.count])
        }
    }

    /// Runs `body`, answering its refusals in Anthropic's error shape.
    private func answeringInAnthropicShape(
        _ request: Request, context: some RequestContext, _ body: () async throws -> Response
    ) async throws -> Response {
        do {
            return try await body()
        } catch let error as APIError {
            // The error middleware would write OpenAI's shape; Anthropic's clients read their own.
            context.logger.info("\(request.method) \(request.uri.path) refused with \(error.status.code): \(error.message)")
            return error.anthropicResponse()
        }
    }

    private func respond(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        var messages = try MessagesRequest.decode(from: body)
        messages.tools?.parserKind = state.toolCallParser
        try state.checkModel(messages.model)
        if messages.thinking == true, state.configuration.reasoningParser == nil {
            throw APIError.badRequest(
                "`thinking` is enabled, but this server was started without --reasoning-parser, so it cannot tell the "
                    + "model's thought from its answer; start it with --reasoning-parser qwen3 or deepseek_r1.",
                param: "thinking")
        }
        let prompt = try prepare(messages)
        guard let maxTokens = messages.maxTokens else {  // `decode` refused this already
            throw APIError.badRequest("max_tokens is required: the most tokens to generate.", param: "max_tokens")
        }
        var params = try messages.sampling.samplingParams(maxTokens: maxTokens, logprobs: nil)
        try await ToolFields.constrain(&params, format: nil, tools: messages.tools, state: state)
        let reasoning = state.reasoningParser(promptText: prompt.text, variables: try messages.templateVariables())
        state.constrainAfterThought(&params, reasoning: reasoning)
        let id = "msg_\(RequestID.random().rawValue)"
        let generation = try Generation(state: state, id: id, prompts: [prompt], params: params,
                                        promptField: "messages", logger: context.logger)
        let job = MessagesJob(state: state, id: id, numPromptTokens: prompt.tokenIDs.count,
                              reasoning: reasoning,
                              tools: messages.tools,
                              generation: generation, logger: context.logger)
        if messages.stream {
            return ServerSentEvents.response(for: request) { writer in try await job.stream(to: &writer) }
        }
        let response = try await request.body.consumeWithCancellationOnInboundClose { _ in try await job.collect() }
        return try JSONBody.response(response, headers: [.connection: "close"])
    }

    /// The conversation rendered and tokenized; a last assistant turn is a prefill, which the
    /// model continues, as Anthropic's API does.
    private func prepare(_ messages: MessagesRequest) throws(APIError) -> PreparedPrompt {
        try state.prepareChat(
            messages.conversation, addGenerationPrompt: !messages.continuesAssistantTurn,
            continueFinalMessage: messages.continuesAssistantTurn, variables: try messages.templateVariables(),
            addSpecialTokens: false)
    }
}
