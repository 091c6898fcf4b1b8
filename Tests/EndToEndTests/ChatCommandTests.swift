import Foundation
import SluiceAssets
import Testing

@Suite("End to end: sluice chat, local and against a server", .serialized)
struct ChatCommandTests {
    /// Runs `sluice chat` with `input` on its standard input; returns standard output and error.
    func chat(_ arguments: [String], input: String) throws -> (output: String, error: String, status: Int32) {
        let process = Process()
        process.executableURL = try OpenAIClientTests.sluiceExecutable()
        process.arguments = ["chat", "--temperature", "0", "--max-tokens", "12"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self), process.terminationStatus)
    }

    static let script = "What is the capital of France?\n/help\n/system Answer in one word.\n/bogus\n\nWhat is the capital of France?\n/reset\n/exit\nNever read.\n"

    /// What every run of ``script`` must show, whatever the model answers.
    func checkTranscript(_ output: String) {
        // One prompt per line read up to /exit: 8 lines, 8 prompts; the line after /exit is never read.
        #expect(output.components(separatedBy: "> ").count - 1 == 8, "\(output)")
        #expect(output.contains("/system TEXT"))
        #expect(output.contains("(system prompt set; conversation reset)"))
        #expect(output.contains("unknown command /bogus"))
        #expect(output.contains("(conversation reset)"))
        // Two answers, each with text.
        let answers = output.components(separatedBy: "> ").filter { !$0.hasPrefix("/") && !$0.hasPrefix("(") && !$0.hasPrefix("unknown") }
        #expect(answers.filter { $0.trimmingCharacters(in: .whitespacesAndNewlines).count > 1 }.count >= 2, "\(output)")
    }

    @Test("a local model: answers stream, commands edit the conversation, /exit ends it")
    func local() throws {
        let model = try DefaultModel.ensure { print($0) }
        let (output, error, status) = try chat(["--model", model, "--threads", "2"], input: Self.script)
        #expect(status == 0, "\(error)")
        checkTranscript(output)
    }

    @Test("a running server through --url gives the same transcript as the local model (greedy)")
    func remote() async throws {
        let model = try DefaultModel.ensure { print($0) }
        let local = try chat(["--model", model, "--threads", "2"], input: Self.script)
        let server = try await ServeProcess.start(logName: "sluice-chat")
        defer { server.process.terminate() }
        let (output, error, status) = try chat(["--url", "http://127.0.0.1:\(server.port)"], input: Self.script)
        #expect(status == 0, "\(error)")
        checkTranscript(output)
        #expect(output == local.output)
        // A server that is not there: an error on stderr per question, and the loop goes on.
        let missing = try chat(["--url", "http://127.0.0.1:1"], input: "Hi\n/exit\n")
        #expect(missing.status == 0)
        #expect(missing.error.contains("error:"))
    }

    @Test("bad flags are refused before anything loads")
    func badFlags() throws {
        let both = try chat(["--model", "x", "--url", "http://127.0.0.1:1"], input: "")
        #expect(both.status != 0 && both.error.contains("not both"))
        let url = try chat(["--url", "ftp://example"], input: "")
        #expect(url.status != 0 && url.error.contains("--url"))
    }
}
