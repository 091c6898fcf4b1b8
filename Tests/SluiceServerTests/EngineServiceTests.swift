import Hummingbird
import HummingbirdTesting
import SluiceEngine
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Lifecycle: graceful shutdown and connections")
struct EngineServiceTests {
    @Test("a graceful shutdown of the application shuts the engine down after the server")
    func shutdown() async throws {
        let engine = try await ServerFixture.withServer { client, engine in
            try await client.expectServesGoodRequest()
            return engine
        }
        #expect(throws: EngineError.shutDown) {
            _ = try engine.generate(prompt: .tokenIDs([1, 2]), params: SamplingParams())
        }
    }

    @Test("generation responses announce Connection: close, and other endpoints keep the connection alive")
    func connections() async throws {
        try await ServerFixture.withServer(.live) { client, _ in
            let first = try await client.get("/v1/models")
            #expect(first.headers[.connection] == nil)
            let second = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 2}"#)
            #expect(second.status == .ok)
            // Watching for the client going away ends the connection's inbound stream, so the
            // server closes it after the response, and says so.
            #expect(second.headers[.connection] == "close")
        }
    }
}
}
