import Foundation
import Testing

/// The project's own attack suite: a real `sluice serve` on 127.0.0.1, attacked over raw sockets
/// as a hostile client would, across HTTP framing, connections, JSON, resources, auth and
/// content. Every case must end cleanly (its status, OpenAI's error shape, the connection closed
/// where required) while a normal completion sent at the same time is still answered.
@Suite("Attack suite: hostile clients against sluice serve", .serialized)
struct AttackSuiteTests {
    static let cases = AttackCase.framing + AttackCase.connections + AttackCase.json + AttackCase.resources
        + AttackCase.auth + AttackCase.content

    static let serverArguments = [
        "--api-key", AttackCase.apiKey, "--idle-timeout", "1", "--max-prompts-per-request", "8",
        "--max-messages-per-chat", "16",
    ]

    @Test("every attack ends cleanly, a concurrent normal request is served, and no 500 reaches the log")
    func attackSuite() async throws {
        let server = try await ServeProcess.start(logName: "sluice-attack", arguments: Self.serverArguments)
        defer { server.process.terminate() }
        var clean = 0
        for attack in Self.cases {
            let (failures, normal) = await Self.run(attack, port: server.port)
            #expect(failures.isEmpty, "\(attack.category): \(attack.name): \(failures.joined(separator: "; "))")
            #expect(normal.isEmpty, "\(attack.category): \(attack.name): the concurrent normal request: \(normal.joined(separator: "; "))")
            if failures.isEmpty && normal.isEmpty { clean += 1 }
        }
        print("attack suite: \(clean) of \(Self.cases.count) cases clean")
        // One more normal request after everything, then the log: no server fault anywhere.
        #expect(try Self.normalRequest(port: server.port).isEmpty)
        let log = server.log
        #expect(!log.contains("unexpected error"), "\(log.suffix(4000))")
        #expect(!log.contains("internal_error"), "\(log.suffix(4000))")
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
