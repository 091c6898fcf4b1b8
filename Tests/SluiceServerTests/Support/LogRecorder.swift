import Logging
@testable import SluiceServer

/// Keeps what a server logs, for tests that check its request lines.
final class LogRecorder: Sendable {
    let lines = Locked<[String]>([])

    /// A logger that records here, at info level and above.
    var logger: Logger {
        Logger(label: "sluice-server-test") { _ in RecordingLogHandler(recorder: self) }
    }

    private struct RecordingLogHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.lines.withLock { $0.append("\(event.level): \(event.message)") }
        }
    }
}
