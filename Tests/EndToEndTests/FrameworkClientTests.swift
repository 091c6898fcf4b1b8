import Foundation
import SluiceAssets
import Testing

/// `sluice serve qwen0.5b` driven by the agent frameworks people put in front of an OpenAI-compatible server:
/// instructor in its JSON-schema and tools modes (partial streaming included) and LangChain's `ChatOpenAI`
/// (`with_structured_output`, `bind_tools`, a tool round trip, tool calls streamed), each with its own pinned
/// openai client (`scripts/setup_frameworks_python.sh`). A Qwen model, as these libraries are used: one whose
/// chat template teaches tool calls, which SmolLM2's does not.
@Suite("End to end: instructor and LangChain against sluice serve", .serialized)
struct FrameworkClientTests {
    @Test("instructor's JSON_SCHEMA and TOOLS modes return validated models, whole and partial; LangChain's structured output and bound tools give parsed calls, whole and streamed, and answer after the tool's result")
    func frameworks() async throws {
        let python = try await OpenAIClientTests.run(
            "/bin/bash", [OpenAIClientTests.root.appendingPathComponent("scripts/setup_frameworks_python.sh").path])
        try #require(python.status == 0, "frameworks venv setup failed: \(python.output)")
        let pythonPath = python.output.split(separator: "\n").last.map(String.init) ?? ""

        let entry = try #require(ModelCatalog.entry(named: "qwen0.5b"))
        let model = try ModelCache.default.ensure(entry) { print($0) }
        let serve = try await ServeProcess.start(logName: "sluice-serve-frameworks", model: model, servedModelName: "qwen0.5b")
        let server = serve.process
        defer { if server.isRunning { server.terminate() } }

        let client = try await OpenAIClientTests.run(pythonPath, [
            OpenAIClientTests.root.appendingPathComponent("scripts/e2e_frameworks.py").path,
            "--base-url", "http://127.0.0.1:\(serve.port)/v1",
        ])
        print(client.output)
        #expect(client.status == 0, "framework client checks failed:\n\(client.output)")
        if client.status != 0 { print(serve.log) }
    }
}
