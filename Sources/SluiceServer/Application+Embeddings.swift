import Hummingbird
import HummingbirdCore
import Logging
import SluiceEngine
import SluiceTokenizer

/// Builds the server of an embedding model: `POST /v1/embeddings`, `/tokenize`, `/v1/models`, `/health`,
/// `/version`, `/metrics` (`EmbeddingServerMetrics`); the generating endpoints answer 400 naming the model's kind. The engine belongs to the
/// application from here on; it is shut down with it.
public func buildEmbeddingApplication(
    engine: EmbeddingEngine, tokenizer: (any Tokenizer)?, tokenizerName: String, configuration: ServerConfiguration,
    logger: Logger
) -> some ApplicationProtocol {
    let state = EmbeddingServerState(engine: engine, tokenizer: tokenizer, tokenizerName: tokenizerName,
                                     configuration: configuration)
    let connectionLimit = configuration.maxConnections.map { MaximumAvailableConnections($0, logger: logger) }
    return Application(
        router: buildEmbeddingRouter(state: state),
        server: httpServer(configuration: configuration),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "sluice",
            availableConnectionsDelegate: connectionLimit),
        services: [EmbeddingEngineService(engine: engine, logger: logger)],
        logger: logger)
}

/// The embedding server's routes, behind the same middleware as the generating server's.
func buildEmbeddingRouter(state: EmbeddingServerState) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ErrorMiddleware())
    if let apiKey = state.configuration.apiKey { router.add(middleware: APIKeyMiddleware(apiKey: apiKey)) }

    let embeddings = EmbeddingsHandler(state: state)
    router.post("/v1/embeddings") { try await embeddings.handle($0, context: $1) }
    router.post("/tokenize") { request, _ in
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let tokenize = try JSONBody.decode(TokenizeRequest.self, from: body)
        try state.checkModel(tokenize.model)
        guard case .prompt(let prompt) = tokenize.input else {
            throw APIError.badRequest("An embedding model has no chat template: send prompt, not messages.", param: "messages")
        }
        guard let tokenizer = state.tokenizer else {
            throw APIError.badRequest("This model's tokenizer (\(state.tokenizerName)) is not supported yet.", param: "prompt",
                                      code: "unsupported_feature")
        }
        let tokens = tokenizer.encode(prompt, addSpecialTokens: tokenize.addSpecialTokens, parseSpecial: false)
        return try JSONBody.response(TokenizeResponse(
            count: tokens.count, maxModelLength: state.engine.configuration.contextLength, tokens: tokens))
    }
    let refusal = APIError.badRequest(
        "The model `\(state.configuration.servedModelName)` is an embedding model: it serves POST /v1/embeddings, "
            + "not text generation. Serve a generative model for this endpoint.",
        param: "model", code: "embedding_model")
    for path in ["/v1/completions", "/v1/chat/completions", "/v1/responses", "/v1/messages", "/v1/messages/count_tokens",
                 "/v1/chat/completions/render", "/v1/completions/render", "/detokenize"] {
        router.post(RouterPath(path)) { _, _ -> HTTPResponse.Status in throw refusal }
    }
    router.get("/v1/models") { _, _ in
        let card = ModelCard(id: state.configuration.servedModelName, created: state.created,
                             maxModelLength: state.engine.configuration.contextLength)
        return try JSONBody.response(ModelList(models: [card]))
    }
    router.get("/health") { _, _ in HTTPResponse.Status.ok }
    router.get("/version") { _, _ in try JSONBody.response(["version": state.configuration.version]) }
    router.get("/metrics") { _, _ in
        state.metrics.refresh(from: state.engine)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: state.metrics.exposition())))
    }
    return router
}
