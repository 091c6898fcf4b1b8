import Foundation
import Testing

/// `sluice serve` evaluated by lm-evaluation-harness, as researchers run it against vLLM: log-likelihood
/// requests through `local-completions` (token ids, `echo` and `logprobs`, the server's own tokenizer
/// through `/tokenizer_info`) and generation through `local-chat-completions`, on the local tasks in
/// `scripts/lmeval` (the harness's datasets live on Hugging Face, which tests cannot reach).
@Suite("End to end: sluice serve with lm-evaluation-harness", .serialized)
struct LMEvalHarnessTests {
    @Test("lm-eval's local-completions and local-chat-completions run the local tasks to a score, the same twice, with the log-likelihoods /v1/completions echoes")
    func harness() async throws {
        let python = try await OpenAIClientTests.run(
            "/bin/bash", [OpenAIClientTests.root.appendingPathComponent("scripts/setup_lmeval_python.sh").path])
        try #require(python.status == 0, "lm-eval venv setup failed: \(python.output)")
        let pythonPath = python.output.split(separator: "\n").last.map(String.init) ?? ""

        let serve = try await ServeProcess.start(logName: "sluice-serve-lmeval")
        let server = serve.process
        defer { if server.isRunning { server.terminate() } }

        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-lmeval-\(serve.port)")
        try? FileManager.default.removeItem(at: workdir)
        defer { try? FileManager.default.removeItem(at: workdir) }
        let client = try await OpenAIClientTests.run(pythonPath, [
            OpenAIClientTests.root.appendingPathComponent("scripts/e2e_lmeval.py").path,
            "--base-url", "http://127.0.0.1:\(serve.port)", "--model", "smollm2", "--workdir", workdir.path,
        ])
        print(client.output)
        #expect(client.status == 0, "lm-eval checks failed:\n\(client.output)")
        if client.status != 0 { print(serve.log) }
    }
}
