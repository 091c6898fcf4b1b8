import Foundation
import SluiceAssets
import SluiceModel

/// A `sluice serve` started from the built executable on a free loopback port, serving the default
/// model as "smollm2" with any further flags given, its output going to a log file.
struct ServeProcess {
    let process: Process
    let port: Int
    let logURL: URL

    /// Starts the server and waits for /health; a server that never answers is stopped before the error.
    /// `model`: a GGUF path (default: the default model), served as `servedModelName`.
    static func start(logName: String, arguments extraArguments: [String] = [], model: String? = nil,
                      servedModelName: String = "smollm2") async throws -> ServeProcess {
        let model = try model ?? DefaultModel.ensure { print($0) }
        let port = try OpenAIClientTests.freePort()
        let server = Process()
        server.executableURL = try OpenAIClientTests.sluiceExecutable()
        server.arguments = ["serve", model, "--port", String(port), "--threads", "2", "--kv-cache-memory", "256MiB",
                            "--max-model-len", "2048", "--served-model-name", servedModelName] + extraArguments
        // A file, not a pipe: a pipe nobody reads would block the server once full.
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(logName)-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        server.standardOutput = log
        server.standardError = log
        try server.run()
        do {
            try await OpenAIClientTests.waitForHealth(port: port, process: server)
        } catch {
            if server.isRunning { server.terminate() }
            throw error
        }
        return ServeProcess(process: server, port: port, logURL: logURL)
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "no server log" }
}
