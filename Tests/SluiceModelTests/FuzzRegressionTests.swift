import Foundation
import Testing
import SluiceGGUF
import SluiceModel
import SluiceTokenizer

/// What the GGUF fuzz target does with an input, on files built here rather than committed: the tiny
/// models' generator writes a qwen2 and a phi3 file (their configuration and weights, no vocabulary:
/// the fuzzer's own seeds from scripts/make_fuzz_seeds.py carry one), and each is loaded, cut and
/// corrupted as the fuzzer would. A crash the fuzzer finds becomes a case here that builds its input.
@Suite("GGUF fuzz inputs")
struct GGUFFuzzRegressionTests {
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

    /// The seed files' bytes, by name.
    static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        try ["qwen2", "phi3"].map { ($0, try TinyModelFixture.named($0).gguf()) }
    }

    @Test("every seed loads as a model (without a vocabulary)")
    func replay() throws {
        for seed in try Self.seeds() {
            let outcome = try Self.load(seed.bytes)
            #expect(outcome == .model(tokenizer: false), "\(seed.name): \(outcome)")
        }
    }

    /// A file cut short is refused as GGUF, whatever the cut splits: a key, a string's length, a tensor info
    /// (every 7th length through the header and metadata, then every 4 KiB through the tensors).
    @Test("every truncation of a seed is refused")
    func truncations() throws {
        for seed in try Self.seeds() {
            let lengths = Array(stride(from: 0, to: min(seed.bytes.count, 8_192), by: 7))
                + Array(stride(from: 8_192, to: seed.bytes.count, by: 4_096))
            for length in lengths {
                #expect(try Self.load(Array(seed.bytes[0..<length])) == .notGGUF, "\(seed.name) cut at \(length)")
            }
        }
    }

    /// Every byte of the header and metadata set to values that break lengths, counts and types (0xFF
    /// makes a length or count enormous, 0x7F a type tag unknown, 0 an empty string): each file either
    /// loads or is refused, never traps.
    @Test("corrupting any metadata byte never crashes loading")
    func corruptions() throws {
        let bytes = try #require(try Self.seeds().first).bytes
        var outcomes: [Outcome: Int] = [:]
        for index in 0..<min(bytes.count, 1_024) {
            for value: UInt8 in [0x00, 0x7F, 0xFF] where bytes[index] != value {
                var corrupt = bytes
                corrupt[index] = value
                outcomes[try Self.load(corrupt), default: 0] += 1
            }
        }
        #expect(outcomes[.notGGUF, default: 0] > 0 && outcomes[.model(tokenizer: false), default: 0] > 0, "\(outcomes)")
    }
}

extension GGUFFuzzRegressionTests.Outcome: Hashable {}
