import Hummingbird
import SluiceEngine

/// `POST /v1/completions`, as vLLM's `OpenAIServingCompletion`: decode and check the request,
/// submit each prompt to the engine, then answer with one JSON body or a stream of events.
struct CompletionsHandler: Sendable {
    let state: ServerState

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let completion = try CompletionRequest.decode(from: body)
        try state.checkModel(completion.model)
        var params = try completion.sampling.samplingParams(
            maxTokens: completion.maxTokens ?? CompletionRequest.defaultMaxTokens, logprobs: completion.logprobs)
        // `echo` with `logprobs` reports the prompt's tokens too (lm-evaluation-harness's
        // log-likelihoods): the engine computes them from the prefill's own passes.
        if completion.echo, let logprobs = completion.logprobs { params.promptLogprobs = logprobs }
        // vLLM's own field; with both, the larger count serves both.
        if let count = completion.promptLogprobs { params.promptLogprobs = max(params.promptLogprobs ?? 0, count) }
        try state.checkPromptCount(completion.prompts.count)
        if let constraint = completion.structuredOutput {
            params.structuredOutput = try await state.grammars.compile(constraint)
        }
        let prompts = try completion.prompts.map { prompt throws(APIError) in
            try state.prepare(prompt, addSpecialTokens: completion.addSpecialTokens)
        }
        let id = "cmpl-\(RequestID.random().rawValue)"
        let generation = try Generation(state: state, id: id, prompts: prompts, params: params,
                                        priority: completion.sampling.priority ?? 0, promptField: "prompt", logger: context.logger)
        let job = CompletionJob(
            state: state, id: id, created: ServerState.now(), prompts: prompts, n: params.n, echo: completion.echo,
            wantsLogprobs: completion.logprobs != nil, promptLogprobs: completion.promptLogprobs, includeUsage: completion.streamOptions?.includeUsage ?? false,
            continuousUsage: completion.streamOptions?.wantsContinuousUsage ?? false,
            tokenOutputs: completion.tokenOutputs, generation: generation, logger: context.logger)
        if completion.stream {
            return ServerSentEvents.response(for: request) { writer in try await job.stream(to: &writer) }
        }
        // Watching the inbound side is the only way Hummingbird 2 tells a handler that the client
        // went away; it cancels the collection, which aborts the engine requests.
        let response = try await request.body.consumeWithCancellationOnInboundClose { _ in try await job.collect() }
        return try JSONBody.response(response, headers: [.connection: "close"])
    }
}
