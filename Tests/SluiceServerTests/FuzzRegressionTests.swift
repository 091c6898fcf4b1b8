import Foundation
import Testing
import SluiceServer

/// The request fuzz target's committed inputs (Tests/Fuzz/request: the seeds, and every crash the
/// fuzzer has found, once fixed), replayed through the same decoders `scripts/fuzz.sh request` drives.
@Suite("Request fuzz inputs")
struct RequestFuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/request")

    static var inputs: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("every seed is a request some endpoint accepts, and every crash input is refused without crashing")
    func replay() throws {
        let inputs = Self.inputs
        #expect(inputs.count >= 7, "the seeds are missing from \(Self.directory.path)")
        for url in inputs {
            let bytes = try [UInt8](Data(contentsOf: url))
            let accepted = RequestFuzzing.decodeEveryEndpoint(bytes)
            if url.lastPathComponent.hasPrefix("crash-") {
                #expect(accepted == 0, "\(url.lastPathComponent)")
            } else {
                #expect(accepted >= 1, "\(url.lastPathComponent) is a valid request")
            }
        }
    }

    /// A body cut anywhere before its closing brace is not JSON: every endpoint refuses it, with a 400
    /// rather than a crash, however the cut splits a string, an escape or a number.
    @Test("every truncation of a seed is refused by every endpoint")
    func truncations() throws {
        for url in Self.inputs where url.pathExtension == "json" {
            let bytes = try [UInt8](Data(contentsOf: url))
            let end = try #require(bytes.lastIndex(of: UInt8(ascii: "}")))
            for length in 0..<end {
                #expect(RequestFuzzing.decodeEveryEndpoint(bytes[0..<length]) == 0, "\(url.lastPathComponent) cut at \(length)")
            }
        }
    }
}
