import Foundation
import Logging
import ServiceLifecycle
import SluiceEngine

/// Shuts the engine down when the service group shuts down gracefully.
///
/// The application's service group shuts its services down in reverse order, and this one is
/// listed before the HTTP server, so the server first stops accepting connections and lets its
/// requests finish; then the engine aborts whatever is still in flight and its step and output threads stop.
struct EngineService: Service {
    let engine: Engine
    let logger: Logger

    func run() async throws {
        // Cancellation (a second signal, or an escalation) ends the wait too: shut down either way.
        try? await gracefulShutdown()
        logger.info("shutting the engine down")
        await Self.shutDown(engine)
    }

    /// `Engine.shutdown()` blocks until the engine's threads end, so it runs on a thread of its own
    /// rather than on the cooperative pool the HTTP server needs.
    private static func shutDown(_ engine: Engine) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                engine.shutdown()
                continuation.resume()
            }
            thread.name = "sluice-engine-shutdown"
            thread.start()
        }
    }
}
