import Foundation
import SluiceAssets
import Testing

/// `sluice serve` with an embedding model, driven over loopback by the official `openai` Python client
/// (scripts/e2e_embeddings.py).
@Suite("End to end: sluice serve with an embedding model and the openai client", .serialized)
struct EmbeddingsClientTests {
    @Test("the openai client embeds token ids (base64 and float), truncates dimensions and long inputs, matches llama.cpp, and gets 400s for bad input and the generating endpoints; SIGTERM exits 0")
    func embeddings() async throws {
        let python = try await OpenAIClientTests.run("/bin/bash", [OpenAIClientTests.root.appendingPathComponent("scripts/setup_client_python.sh").path])
        try #require(python.status == 0, "client venv setup failed: \(python.output)")
        let pythonPath = python.output.split(separator: "\n").last.map(String.init) ?? ""
        let entry = try #require(ModelCatalog.entry(named: "nomic-embed"))
        let model = try ModelCache.default.ensure(entry) { print($0) }

        let serve = try await ServeProcess.start(logName: "sluice-serve-embed", model: model, servedModelName: "nomic-embed")
        let server = serve.process
        defer { if server.isRunning { server.terminate() } }
        let fixture = OpenAIClientTests.root.appendingPathComponent("Tests/SluiceModelTests/Resources/embeddings_nomic.json")
        let client = try await OpenAIClientTests.run(pythonPath, [
            OpenAIClientTests.root.appendingPathComponent("scripts/e2e_embeddings.py").path,
            "--base-url", "http://127.0.0.1:\(serve.port)/v1", "--fixture", fixture.path,
        ])
        print(client.output)
        #expect(client.status == 0, "openai client checks failed:\n\(client.output)")

        server.terminate()
        let deadline = Date().addingTimeInterval(20)
        while server.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.isRunning, "sluice serve still running 20 s after SIGTERM")
        #expect(server.terminationStatus == 0, "sluice serve exit status after SIGTERM")
        if client.status != 0 || server.terminationStatus != 0 { print(serve.log) }
    }
}
