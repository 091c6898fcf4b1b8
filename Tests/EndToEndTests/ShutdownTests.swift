import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("End to end: SIGTERM with streams in flight", .serialized)
struct ShutdownTests {
    /// Sends a streaming completion of `maxTokens` tokens on a raw connection.
    func startStream(port: Int, maxTokens: Int) throws -> RawHTTPConnection {
        let connection = try RawHTTPConnection(port: port)
        let body = #"{"model": "smollm2", "prompt": "Once upon a time", "max_tokens": \#(maxTokens), "ignore_eos": true, "stream": true}"#
        connection.send("""
            POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
            Content-Length: \(body.utf8.count)\r\n\r\n\(body)
            """)
        return connection
    }

    /// Waits for the process to exit, at most `seconds` (a bound on failure, never a measurement).
    func waitForExit(_ process: Process, seconds: Double) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    /// The finish reasons in an SSE body, in order.
    func finishReasons(_ text: String) -> [String] {
        text.components(separatedBy: #""finish_reason":""#).dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test("past --shutdown-timeout, a stream still generating ends with finish_reason abort and [DONE]; the server exits 0")
    func drainTimeout() async throws {
        let server = try await ServeProcess.start(logName: "sluice-shutdown-abort", arguments: ["--shutdown-timeout", "1"])
        defer { if server.process.isRunning { server.process.terminate() } }
        // Far more tokens than a second of decoding gives.
        let connection = try startStream(port: server.port, maxTokens: 1900)
        // SIGTERM as soon as the first token is out: a sleep here woke 69 s late on a loaded CI
        // machine, after all 1,900 tokens.
        #expect(connection.read(until: "data: {"))
        kill(server.process.processIdentifier, SIGTERM)
        let (bytes, closed) = connection.readToEnd()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(200))")
        #expect(finishReasons(text) == ["abort"], "\(text.suffix(400))\n\(server.log)")
        #expect(text.contains("data: [DONE]"))
        #expect(closed)
        #expect(try await waitForExit(server.process, seconds: 30), "\(server.log)")
        #expect(server.process.terminationStatus == 0, "\(server.log)")
        #expect(server.log.contains("shutdown timeout: aborting"))
    }

    @Test("within --shutdown-timeout, a stream in flight finishes normally; new connections are refused; the server exits 0")
    func drainFinishes() async throws {
        let server = try await ServeProcess.start(logName: "sluice-shutdown-drain", arguments: ["--shutdown-timeout", "120"])
        defer { if server.process.isRunning { server.process.terminate() } }
        let connection = try startStream(port: server.port, maxTokens: 48)
        #expect(connection.read(until: "data: {"))
        kill(server.process.processIdentifier, SIGTERM)
        let (bytes, _) = connection.readToEnd()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(finishReasons(text) == ["length"], "\(text.suffix(400))\n\(server.log)")
        #expect(text.contains("data: [DONE]"))
        #expect(try await waitForExit(server.process, seconds: 60), "\(server.log)")
        #expect(server.process.terminationStatus == 0, "\(server.log)")
        #expect(!server.log.contains("shutdown timeout: aborting"))
        #expect((try? RawHTTPConnection(port: server.port)) == nil)
    }
}
