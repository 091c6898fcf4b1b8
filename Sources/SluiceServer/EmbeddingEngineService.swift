import Logging
import ServiceLifecycle
import SluiceEngine

/// Shuts the embedding engine down when the service group shuts down gracefully (after the HTTP
/// server has let its requests finish, as `EngineService` does for the generating engine).
struct EmbeddingEngineService: Service {
    let engine: EmbeddingEngine
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting the embedding engine down")
        // Does not block: waiting requests fail at once and the step thread ends after its pass.
        engine.shutdown()
    }
}
