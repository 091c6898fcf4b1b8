import Hummingbird
import HummingbirdCore
import Logging
import SluiceEngine

/// Builds the OpenAI-compatible HTTP server over `engine`.
///
/// Run the result as a service, for example
/// `ServiceGroup(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)`,
/// or with `app.runService()`. On a graceful shutdown the HTTP server stops accepting
/// connections and lets the requests in flight finish; then the engine is shut down, aborting
/// whatever is left. The engine belongs to the application from here on: do not shut it down
/// yourself while the application runs.
public func buildApplication(
    engine: Engine, renderer: any ChatTemplateRenderer, configuration: ServerConfiguration, logger: Logger
) -> some ApplicationProtocol {
    let state = ServerState(engine: engine, renderer: renderer, configuration: configuration)
    let connectionLimit = configuration.maxConnections.map { MaximumAvailableConnections($0, logger: logger) }
    return Application(
        router: buildRouter(state: state),
        server: httpServer(configuration: configuration),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "sluice",
            availableConnectionsDelegate: connectionLimit),
        services: [EngineService(engine: engine, logger: logger)],
        logger: logger)
}

/// HTTP/1 through ``SluiceHTTP1Channel``, with the configuration's timeouts and header limit.
func httpServer(configuration: ServerConfiguration) -> HTTPServerBuilder {
    let idleTimeout = configuration.idleTimeout.map { Duration.milliseconds(Int64(($0 * 1000).rounded())) }
    let maxHeaderSize = configuration.maxHeaderSize
    return HTTPServerBuilder { responder in
        SluiceHTTP1Channel(responder: responder, idleTimeout: idleTimeout, maxHeaderSize: maxHeaderSize)
    }
}

/// The routes, behind the error middleware (outermost, so even 401 and 404 come out as JSON)
/// and the API-key check.
func buildRouter(state: ServerState) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: ErrorMiddleware())
    if let apiKey = state.configuration.apiKey { router.add(middleware: APIKeyMiddleware(apiKey: apiKey)) }

    let completions = CompletionsHandler(state: state)
    let chat = ChatCompletionsHandler(state: state)
    let tokenize = TokenizeHandler(state: state)
    let messages = MessagesHandler(state: state)
    let render = RenderHandler(state: state)
    let responses = ResponsesHandler(state: state)
    router.post("/v1/completions") { try await completions.handle($0, context: $1) }
    router.post("/v1/chat/completions") { try await chat.handle($0, context: $1) }
    router.post("/v1/chat/completions/render") { try await render.chat($0, context: $1) }
    router.post("/v1/completions/render") { try await render.completions($0, context: $1) }
    router.post("/v1/responses") { try await responses.handle($0, context: $1) }
    router.post("/v1/messages") { try await messages.handle($0, context: $1) }
    router.post("/v1/messages/count_tokens") { try await messages.countTokens($0, context: $1) }
    router.post("/tokenize") { try await tokenize.tokenize($0, context: $1) }
    router.post("/detokenize") { try await tokenize.detokenize($0, context: $1) }
    router.get("/tokenizer_info") { try await tokenize.tokenizerInfo($0, context: $1) }
    router.post("/v1/embeddings") { _, _ -> HTTPResponse.Status in
        throw APIError.badRequest(
            "The model `\(state.configuration.servedModelName)` is a generative model: it does not serve /v1/embeddings. "
                + "Serve an embedding model (such as nomic-embed) for this endpoint.",
            param: "model", code: "generative_model")
    }

    router.get("/v1/models") { _, _ in
        let card = ModelCard(id: state.configuration.servedModelName, created: state.created,
                             maxModelLength: state.engine.config.maxModelLength)
        return try JSONBody.response(ModelList(models: [card]))
    }
    router.get("/health") { _, _ in HTTPResponse.Status.ok }
    router.get("/version") { _, _ in try JSONBody.response(["version": state.configuration.version]) }
    router.get("/server_info") { _, _ in
        try JSONBody.response(ServerInfoResponse(engine: state.engine, configuration: state.configuration,
                                             toolCallParser: state.toolCallParser))
    }
    router.get("/metrics") { _, _ in
        state.metrics.refresh(from: state.engine.stats)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: state.metrics.exposition())))
    }
    return router
}
