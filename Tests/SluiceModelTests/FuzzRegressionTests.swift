import Foundation
import Testing
import SluiceGGUF
import SluiceModel
import SluiceTokenizer

/// The GGUF fuzz target's committed inputs (Tests/Fuzz/gguf, from scripts/make_fuzz_seeds.py), replayed
/// as the target runs them: the file's layout, a model's configuration, and its vocabulary.
@Suite("GGUF fuzz inputs")
struct GGUFFuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/gguf")

    /// What the fuzz target does with one input, as a result: how far loading got.
    enum Outcome: Equatable { case notGGUF, noModel, model(tokenizer: Bool) }

    static func load(_ bytes: [UInt8]) throws -> Outcome {
        let path = NSTemporaryDirectory() + "sluice-fuzz-test-\(UUID().uuidString).gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let file = try? GGUFFile(path: path) else { return .notGGUF }
        guard (try? ModelRegistry.load(file)) != nil else { return .noModel }
        guard let vocabulary = try? TokenizerVocabulary(gguf: file), let tokenizer = try? makeTokenizer(vocabulary: vocabulary) else {
            return .model(tokenizer: false)
        }
        let ids = tokenizer.encode("ab a b <|im_start|>", addSpecialTokens: true, parseSpecial: true)
        _ = tokenizer.decode(ids, skipSpecialTokens: false)
        return .model(tokenizer: true)
    }

    static var seeds: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix("crash-") }.sorted { $0.path < $1.path }
    }

    @Test("every seed loads as a model with a tokenizer; every crash input is refused")
    func replay() throws {
        #expect(Self.seeds.count >= 2, "the seeds are missing from \(Self.directory.path)")
        for url in try FileManager.default.contentsOfDirectory(at: Self.directory, includingPropertiesForKeys: nil) {
            let outcome = try Self.load(try [UInt8](Data(contentsOf: url)))
            #expect(outcome == (url.lastPathComponent.hasPrefix("crash-") ? .notGGUF : .model(tokenizer: true)),
                    "\(url.lastPathComponent): \(outcome)")
        }
    }

    /// A file cut short is refused as GGUF, whatever the cut splits: a key, a string's length, a tensor info.
    @Test("every truncation of a seed is refused")
    func truncations() throws {
        for url in Self.seeds {
            let bytes = try [UInt8](Data(contentsOf: url))
            for length in stride(from: 0, to: bytes.count, by: 7) {
                #expect(try Self.load(Array(bytes[0..<length])) == .notGGUF, "\(url.lastPathComponent) cut at \(length)")
            }
        }
    }

    /// Every byte of the header and metadata set to values that break lengths, counts and types (0xFF
    /// makes a length or count enormous, 0x7F a type tag unknown, 0 an empty string): each file either
    /// loads or is refused, never traps.
    @Test("corrupting any metadata byte never crashes loading")
    func corruptions() throws {
        let url = try #require(Self.seeds.first)
        let bytes = try [UInt8](Data(contentsOf: url))
        var outcomes: [Outcome: Int] = [:]
        for index in 0..<min(bytes.count, 1_024) {
            for value: UInt8 in [0x00, 0x7F, 0xFF] where bytes[index] != value {
                var corrupt = bytes
                corrupt[index] = value
                outcomes[try Self.load(corrupt), default: 0] += 1
            }
        }
        #expect(outcomes[.notGGUF, default: 0] > 0 && outcomes[.model(tokenizer: true), default: 0] > 0, "\(outcomes)")
    }
}

extension GGUFFuzzRegressionTests.Outcome: Hashable {}
