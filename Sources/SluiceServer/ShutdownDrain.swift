import Foundation
import Logging
import ServiceLifecycle
import SluiceEngine

/// Bounds how long a graceful shutdown (SIGTERM) waits for the requests in flight
/// (`--shutdown-timeout`): when it begins, the HTTP server stops accepting connections and lets
/// its requests run; after `timeout`, the engine aborts whatever is still generating, so every
/// stream still open ends with `finish_reason: "abort"` and its final events instead of being cut
/// when the process exits.
///
/// List it after the application in the service group that receives the signals: the group shuts
/// services down in reverse order, so the timer starts first and the server's own graceful
/// shutdown (which waits for every request) follows at once.
public struct ShutdownDrain: Service {
    let engine: Engine
    let timeout: Duration
    let logger: Logger

    public init(engine: Engine, timeout: Duration, logger: Logger) {
        self.engine = engine
        self.timeout = timeout
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        let inFlight = engine.stats.numRunning + engine.stats.numWaiting
        logger.info("shutting down: \(inFlight) requests in flight get \(timeout) to finish")
        let (engine, timeout, logger) = (engine, timeout, logger)
        // Not awaited: the server's graceful shutdown must start now, not after the timeout. When
        // everything finishes earlier the process exits and the timer with it.
        Task.detached {
            try? await Task.sleep(for: timeout)
            let stats = engine.stats
            guard stats.numRunning + stats.numWaiting > 0 else { return }
            logger.notice("shutdown timeout: aborting \(stats.numRunning + stats.numWaiting) requests still in flight")
            // Blocks until the engine's threads end: a thread of its own, off the cooperative pool.
            let thread = Thread { engine.shutdown() }
            thread.name = "sluice-shutdown-drain"
            thread.start()
        }
    }
}
