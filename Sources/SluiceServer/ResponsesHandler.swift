import Hummingbird
import SluiceEngine

/// `POST /v1/responses`, OpenAI's Responses API without stored state (as vLLM serves it with
/// its store disabled): the input goes through the chat template as a chat does, and the answer
/// is one response object or its typed events. Errors are in OpenAI's shape.
struct ResponsesHandler: Sendable {
    let state: ServerState

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        var responses = try ResponsesRequest.decode(from: body)
        responses.tools?.parserKind = state.toolCallParser
        try state.checkModel(responses.model)
        let variables = try ToolFields.variables([:], adding: responses.tools)
        let prompt = try state.prepareChat(responses.conversation, addGenerationPrompt: true, variables: variables,
                                           addSpecialTokens: false)
        let maxTokens = try responses.maxOutputTokens
            ?? ChatCompletionsHandler(state: state).defaultMaxTokens(numPromptTokens: prompt.tokenIDs.count)
        var params = try responses.sampling.samplingParams(maxTokens: maxTokens, logprobs: nil)
        try await ToolFields.constrain(&params, format: responses.structuredOutput, tools: responses.tools, state: state)
        let reasoning = state.reasoningParser(promptText: prompt.text, variables: variables)
        state.constrainAfterThought(&params, reasoning: reasoning)
        let id = "resp_\(RequestID.random().rawValue)"
        let generation = try Generation(state: state, id: id, prompts: [prompt], params: params,
                                        priority: responses.sampling.priority ?? 0, promptField: "input",
                                        logger: context.logger)
        let job = ResponsesJob(
            state: state, id: id, messageID: "msg_\(RequestID.random().rawValue)", createdAt: ServerState.now(),
            numPromptTokens: prompt.tokenIDs.count, request: responses, params: params, reasoning: reasoning, generation: generation,
            logger: context.logger)
        if responses.stream {
            return ServerSentEvents.response(for: request) { writer in try await job.stream(to: &writer) }
        }
        let response = try await request.body.consumeWithCancellationOnInboundClose { _ in try await job.collect() }
        return try JSONBody.response(response, headers: [.connection: "close"])
    }
}
