import Foundation
import SluiceBench
import Testing

@Suite("Result files")
struct BenchmarkResultTests {
    @Test("a result file round-trips through JSON, an infinite request rate included")
    func roundTrip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try makeResult(label: "sluice", levels: [(4, 200, 20)]).write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(#""request_rate" : "inf""#))
        #expect(text.contains(#""output_throughput" : 200"#))
        let read = try BenchmarkResult.read(from: path)
        #expect(read.requestRate == .infinity)
        #expect(read.levels[0].metrics == makeResult(label: "sluice", levels: [(4, 200, 20)]).levels[0].metrics)
        #expect(throws: BenchError.self) { try BenchmarkResult.read(from: "/nonexistent.json") }
    }
}
