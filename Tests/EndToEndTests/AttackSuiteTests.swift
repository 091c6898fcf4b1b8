import Foundation
import SluiceAssets
import SluiceModel
import Testing

/// The project's own attack suite: a real `sluice serve` on 127.0.0.1, attacked over raw sockets
/// as a hostile client would, across HTTP framing, connections, JSON, resources, auth and
/// content. Every case must end cleanly (its status, OpenAI's error shape, the connection closed
/// where required) while a normal completion sent at the same time is still answered.
@Suite("Attack suite: hostile clients against sluice serve", .serialized)
struct AttackSuiteTests {
    static let cases = AttackCase.framing + AttackCase.connections + AttackCase.json + AttackCase.resources
        + AttackCase.auth + AttackCase.content + AttackCase.features

    static let serverArguments = [
        "--api-key", AttackCase.apiKey, "--idle-timeout", "1", "--max-prompts-per-request", "8",
        "--max-messages-per-chat", "16",
    ]

    @Test("every attack ends cleanly, a concurrent normal request is served, and no 500 reaches the log")
    func attackSuite() async throws {
        let server = try await ServeProcess.start(logName: "sluice-attack", arguments: Self.serverArguments)
        defer { server.process.terminate() }
        var clean = 0
        for outcome in await Self.runAll(port: server.port) {
            let attack = outcome.attack
            #expect(outcome.failures.isEmpty, "\(attack.category): \(attack.name): \(outcome.failures.joined(separator: "; "))")
            #expect(outcome.normal.isEmpty,
                    "\(attack.category): \(attack.name): the concurrent normal request: \(outcome.normal.joined(separator: "; "))")
            if outcome.isClean { clean += 1 }
        }
        print("attack suite: \(clean) of \(Self.cases.count) cases clean")
        // One more normal request after everything, then the log: no server fault anywhere.
        #expect(try Self.normalRequest(port: server.port).isEmpty)
        let log = server.log
        #expect(!log.contains("unexpected error"), "\(log.suffix(4000))")
        #expect(!log.contains("internal_error"), "\(log.suffix(4000))")
    }

    /// The same cases against llama-server (`~/.cache/sluice/peer/bin/llama-server`) and sluice,
    /// side by side, written as a Markdown table to `$SLUICE_ATTACK_REPORT`; only with
    /// `SLUICE_ATTACK_PEER=1`. A report, not a check: llama-server is not held to Sluice's limits.
    @Test("the attack suite against llama-server and sluice, side by side",
          .enabled(if: ProcessInfo.processInfo.environment["SLUICE_ATTACK_PEER"] == "1"))
    func sideBySide() async throws {
        let sluice = try await ServeProcess.start(logName: "sluice-attack-report", arguments: Self.serverArguments)
        defer { sluice.process.terminate() }
        let sluiceOutcomes = await Self.runAll(port: sluice.port)
        sluice.process.terminate()
        let peer = try await Self.startLlamaServer()
        defer { peer.process.terminate() }
        let peerOutcomes = await Self.runAll(port: peer.port)
        var report = "| Category | Case | sluice | llama-server |\n|---|---|---|---|\n"
        func cell(_ outcome: AttackOutcome) -> String {
            guard !outcome.isClean else { return "clean" }
            let text = (outcome.failures + outcome.normal.map { "normal request: \($0)" }).joined(separator: "; ")
            return String(text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ").prefix(160))
        }
        for (ours, theirs) in zip(sluiceOutcomes, peerOutcomes) {
            report += "| \(ours.attack.category) | \(ours.attack.name) | \(cell(ours)) | \(cell(theirs)) |\n"
        }
        let clean = (sluiceOutcomes.filter(\.isClean).count, peerOutcomes.filter(\.isClean).count)
        report += "\nClean: sluice \(clean.0) of \(Self.cases.count), llama-server \(clean.1) of \(Self.cases.count).\n"
        let path = ProcessInfo.processInfo.environment["SLUICE_ATTACK_REPORT"] ?? "/tmp/sluice-attack-report.md"
        try report.write(toFile: path, atomically: true, encoding: .utf8)
        print(report)
    }

    /// llama-server on the default model, with the same key, context and threads as sluice.
    static func startLlamaServer() async throws -> ServeProcess {
        let executable = FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/sluice/peer/bin/llama-server")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw OpenAIClientTests.TestFailure("no llama-server at \(executable.path)")
        }
        let model = try DefaultModel.ensure { print($0) }
        let port = try OpenAIClientTests.freePort()
        let server = Process()
        server.executableURL = executable
        server.arguments = ["-m", model, "--host", "127.0.0.1", "--port", String(port), "--api-key", AttackCase.apiKey,
                            "-t", "2", "-c", "2048"]
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("llama-server-attack-\(port).log")
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

    struct AttackOutcome: Sendable {
        let attack: AttackCase
        let failures: [String]
        let normal: [String]
        var isClean: Bool { failures.isEmpty && normal.isEmpty }
    }

    /// Every case in turn, each with its concurrent normal request.
    static func runAll(port: Int) async -> [AttackOutcome] {
        var outcomes: [AttackOutcome] = []
        for attack in cases {
            let (failures, normal) = await run(attack, port: port)
            outcomes.append(AttackOutcome(attack: attack, failures: failures, normal: normal))
        }
        return outcomes
    }

    /// Runs `attack` and a normal completion at the same time, each on a thread of its own
    /// (their sockets block).
    static func run(_ attack: AttackCase, port: Int) async -> (attack: [String], normal: [String]) {
        async let attackResult = onThread { try attack.run(port) }
        async let normalResult = onThread { try normalRequest(port: port) }
        return await (attackResult, normalResult)
    }

    static func onThread(_ body: @escaping @Sendable () throws -> [String]) async -> [String] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(returning: ["\(error)"]) }
            }
        }
    }

    /// A small completion on a fresh connection; what went wrong, or nothing.
    static func normalRequest(port: Int) throws -> [String] {
        let connection = try RawHTTPConnection(port: port)
        connection.send(AttackCase.request(body: #"{"prompt": "Hello", "max_tokens": 2, "temperature": 0}"#))
        guard let response = connection.readResponse() else { return ["no response"] }
        return response.status == 200 && response.text.contains("\"choices\"")
            ? [] : ["status \(response.status): \(response.text.prefix(200))"]
    }
}
