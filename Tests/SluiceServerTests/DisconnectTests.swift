import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Client disconnects abort the request and free its KV blocks")
struct DisconnectTests {
    /// Sends a long generation on its own connection, waits until the engine runs it, closes the
    /// connection, and checks that the engine lets go of it long before it could have finished.
    func disconnect(stream: Bool, prompts: Int = 1, n: Int = 1, path: String = "/v1/completions",
                    body customBody: String? = nil) async throws {
        let log = LogRecorder()
        try await ServerFixture.withServer(.live, log: log) { client, engine in
            let port = try #require(client.port)
            let raw = TestClient(host: "localhost", port: port)
            raw.connect()
            let prompt = prompts == 1 ? #""Once upon a time""#
                : "[" + (0..<prompts).map { #""Story number \#($0):""# }.joined(separator: ",") + "]"
            let body = customBody.map { "{\($0), \"stream\": \(stream)}" }
                ?? #"{"prompt": \#(prompt), "n": \#(n), "max_tokens": 900, "ignore_eos": true, "stream": \#(stream)}"#
            try await raw.executeAndDontWaitForResponse(.init(
                path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)))
            var running = false
            for _ in 0..<500 where !running {
                let stats = engine.stats
                running = stats.numRunning >= 1 && stats.numRunning + stats.numWaiting == prompts * n && stats.kvCacheUsage > 0
                if !running { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(running)
            try await raw.shutdown()
            // 900 tokens take several seconds; an abort frees the blocks within a step or two.
            #expect(try await ServerFixture.waitUntilIdle(engine, seconds: 3))
            #expect(log.lines.withLock { $0 }.contains { $0.contains("finish reason abort") })
            // The server goes on serving, on a new connection.
            let fresh = TestClient(host: "localhost", port: port)
            fresh.connect()
            let response = try await fresh.execute(.init(
                "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"prompt": "Hi", "max_tokens": 2}"#)))
            #expect(response.head.status == .ok)
            try await fresh.shutdown()
        }
    }

    @Test("closing the connection during a non-streamed completion aborts it")
    func nonStreaming() async throws {
        try await disconnect(stream: false)
    }

    @Test("closing the connection during a streamed completion aborts it")
    func streaming() async throws {
        try await disconnect(stream: true)
    }

    @Test("closing the connection during a response, streamed or not, aborts it", arguments: [false, true])
    func responses(stream: Bool) async throws {
        try await disconnect(stream: stream, path: "/v1/responses",
                             body: #""input": "Once upon a time", "max_output_tokens": 900, "ignore_eos": true"#)
    }

    @Test("closing the connection during a batch of prompts with n = 2 aborts every child at once")
    func batch() async throws {
        try await disconnect(stream: false, prompts: 3, n: 2)
    }

    @Test("closing the connection during a streamed batch with n = 2 aborts every child at once")
    func streamedBatch() async throws {
        try await disconnect(stream: true, prompts: 3, n: 2)
    }
}
}
