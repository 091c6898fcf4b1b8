import Foundation
import SluiceModel
import Testing

/// `sluice bench serve` run as a user runs it, against a real `sluice serve` on loopback.
@Suite("End to end: sluice bench serve against sluice serve", .serialized)
struct BenchServeTests {
    typealias Helpers = OpenAIClientTests

    typealias Server = ServeProcess

    func startServer() async throws -> Server { try await ServeProcess.start(logName: "sluice-bench-serve") }

    /// Runs `sluice` with `arguments`, requiring exit 0; a failure shows the server's log too.
    @discardableResult
    func sluice(_ arguments: [String], server: Server) async throws -> String {
        let result = try await Helpers.run(Helpers.sluiceExecutable().path, arguments)
        if result.status != 0 {
            let log = (try? String(contentsOf: server.logURL, encoding: .utf8)) ?? "no server log"
            let command = "sluice " + arguments.joined(separator: " ")
            throw Helpers.TestFailure("\(command) failed:\n\(result.output)\nserver log:\n\(log)")
        }
        return result.output
    }

    func readJSON(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bench-serve-\(UUID().uuidString)-\(name)")
    }

    /// Checks one level's figures: every request completed with its exact tokens, every figure
    /// positive, and the first token before the last.
    func checkLevel(_ level: [String: Any], requests: Int, inputTokens: Int, outputTokens: Int) throws {
        let metrics = try #require(level["metrics"] as? [String: Any])
        #expect(metrics["completed"] as? Int == requests)
        #expect(metrics["failed"] as? Int == 0)
        #expect((metrics["errors"] as? [String])?.isEmpty == true)
        #expect(metrics["total_input_tokens"] as? Int == requests * inputTokens)
        #expect(metrics["total_output_tokens"] as? Int == requests * outputTokens)
        for key in ["duration_s", "request_throughput", "output_throughput", "total_token_throughput"] {
            #expect((metrics[key] as? Double ?? 0) > 0, "\(key) should be positive")
        }
        var means: [String: Double] = [:]
        for key in ["ttft_ms", "tpot_ms", "itl_ms", "e2el_ms"] {
            let summary = try #require(metrics[key] as? [String: Any])
            for statistic in ["mean", "median", "p90", "p99"] {
                #expect((summary[statistic] as? Double ?? 0) > 0, "\(key).\(statistic) should be positive")
            }
            means[key] = summary["mean"] as? Double
        }
        #expect(try #require(means["ttft_ms"]) < #require(means["e2el_ms"]))
    }

    @Test("both endpoints complete every request with sane figures; a sweep writes two levels and an SVG chart")
    func benchServe() async throws {
        let server = try await startServer()
        defer { if server.process.isRunning { server.process.terminate() } }
        let base = ["bench", "serve", "--base-url", "http://127.0.0.1:\(server.port)", "--dataset-name", "random",
                    "--random-input-len", "32", "--random-output-len", "8", "--ignore-eos"]
        var files: [URL] = []
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }

        for endpoint in ["completions", "chat"] {
            let json = temporaryFile("\(endpoint).json")
            files.append(json)
            let output = try await sluice(base + ["--endpoint", endpoint, "--num-prompts", "8", "--max-concurrency", "4",
                                            "--label", "sluice-\(endpoint)", "--result-json", json.path], server: server)
            #expect(output.contains("Serving Benchmark Result"))
            let result = try readJSON(json)
            #expect(result["model"] as? String == "smollm2")
            #expect(result["endpoint"] as? String == endpoint)
            let levels = try #require(result["levels"] as? [[String: Any]])
            #expect(levels.count == 1)
            #expect(levels.first?["max_concurrency"] as? Int == 4)
            try checkLevel(try #require(levels.first), requests: 8, inputTokens: 32, outputTokens: 8)
        }

        let sweep = temporaryFile("sweep.json")
        let sweepChart = temporaryFile("sweep.svg")
        files += [sweep, sweepChart]
        try await sluice(base + ["--num-prompts", "4", "--sweep-concurrency", "1,2", "--label", "sluice-sweep",
                           "--result-json", sweep.path, "--chart", sweepChart.path], server: server)
        let levels = try #require(try readJSON(sweep)["levels"] as? [[String: Any]])
        #expect(levels.map { $0["max_concurrency"] as? Int } == [1, 2])
        for level in levels { try checkLevel(level, requests: 4, inputTokens: 32, outputTokens: 8) }
        let svg = try String(contentsOf: sweepChart, encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("</svg>"))
        #expect(svg.contains("sluice-sweep"))
        #expect(svg.contains("<polyline"))

        // Overlaying the files: one series per label, and a table of medians.
        let overlay = temporaryFile("overlay.svg")
        files.append(overlay)
        let table = try await sluice(["bench", "chart"] + files.filter { $0.pathExtension == "json" }.map(\.path)
                                + ["--output", overlay.path], server: server)
        let overlaySVG = try String(contentsOf: overlay, encoding: .utf8)
        for label in ["sluice-completions", "sluice-chat", "sluice-sweep"] {
            #expect(overlaySVG.contains(label))
            #expect(table.contains("| \(label) |"))
        }

        server.process.terminate()
        server.process.waitUntilExit()
    }
}
