import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SluiceModel
import Testing

/// `sluice serve` as a user runs it, driven over loopback by the official `openai` Python client.
@Suite("End to end: sluice serve with the openai client", .serialized)
struct OpenAIClientTests {
    /// The repository root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `sluice` executable `swift test` built beside the test bundle.
    static func sluiceExecutable() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("sluice")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw TestFailure("no sluice executable beside \(bundleDirectory.path); run `swift build` first")
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs a command to its end on a thread of its own and returns its status and output. Waiting
    /// here instead of in ``runBlocking(_:_:)`` keeps the cooperative pool free: on 2 cores it has
    /// two threads, and two client scripts of three minutes each held both, so every other suite's
    /// `Task.sleep` woke a minute late.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(executable, arguments) })
            }.start()
        }
    }

    /// Runs a command to its end on the calling thread and returns its status and output.
    @discardableResult
    static func runBlocking(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A port nothing listens on now: the kernel picks one for a socket bound to port 0.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestFailure("could not bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Polls `/health` until it answers 200.
    static func waitForHealth(port: Int, process: Process) async throws {
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        for _ in 0..<600 {
            guard process.isRunning else { throw TestFailure("sluice serve exited with \(process.terminationStatus)") }
            if let (_, response) = try? await URLSession.shared.data(from: url),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("sluice serve did not answer /health within a minute")
    }

    @Test("the openai client gets completions, chat, streams, n=2, logprobs, stops, seeds, 8 concurrent streams, responses, structured output, tool round trips on chat and responses, chat echo and errors; SIGTERM exits 0")
    func openAIClient() async throws {
        let python = try await Self.run("/bin/bash", [Self.root.appendingPathComponent("scripts/setup_client_python.sh").path])
        try #require(python.status == 0, "client venv setup failed: \(python.output)")
        let pythonPath = python.output.split(separator: "\n").last.map(String.init) ?? ""

        let serve = try await ServeProcess.start(logName: "sluice-serve")
        let server = serve.process, port = serve.port
        defer { if server.isRunning { server.terminate() } }

        let client = try await Self.run(pythonPath, [
            Self.root.appendingPathComponent("scripts/e2e_openai.py").path,
            "--base-url", "http://127.0.0.1:\(port)/v1",
        ])
        print(client.output)
        #expect(client.status == 0, "openai client checks failed:\n\(client.output)")

        server.terminate()  // SIGTERM: graceful shutdown.
        let deadline = Date().addingTimeInterval(20)
        while server.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.isRunning, "sluice serve still running 20 s after SIGTERM")
        #expect(server.terminationStatus == 0, "sluice serve exit status after SIGTERM")
        if client.status != 0 || server.terminationStatus != 0 {
            print(serve.log)
        }
    }
}
