import Foundation
import SluiceAssets
import SluiceModel
import SluiceTokenizer
import Testing
@testable import SluiceEngine

/// The default model and its tokenizer, loaded once for every suite that runs it.
enum DefaultModelFixture {
    static let file: GGUFFile = {
        do {
            return try GGUFFile(path: DefaultModel.ensure { print($0) })
        } catch {
            fatalError("engine tests need the default model: \(error)")
        }
    }()

    static let model: any DecoderModel = {
        do { return try ModelRegistry.load(file) } catch { fatalError("the default model does not load: \(error)") }
    }()

    static let tokenizer: any Tokenizer = {
        do {
            return try makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file))
        } catch {
            fatalError("the default model's tokenizer does not load: \(error)")
        }
    }()

    /// The text of generated tokens as a stream gives it (control tokens skipped, no space dropped).
    static func text(of tokenIDs: some Sequence<Int>) -> String {
        String(decoding: tokenIDs.flatMap { tokenizer.tokenBytes($0, skipSpecialTokens: true) }, as: UTF8.self)
    }

    /// A ChatML prompt for SmolLM2-Instruct asking `question`.
    static func chatPrompt(_ question: String) -> [Int] {
        tokenizer.encode(
            "<|im_start|>user\n\(question)<|im_end|>\n<|im_start|>assistant\n",
            addSpecialTokens: true, parseSpecial: true)
    }
}

/// Every suite that runs the model, nested here so that they run one at a time: two spinning
/// kernel thread pools on two cores would starve each other.
@Suite("Runs the model", .serialized)
struct ModelTests {}
