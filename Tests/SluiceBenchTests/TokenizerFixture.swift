import Foundation
import SluiceAssets
import SluiceBench
import SluiceModel
import SluiceTokenizer

/// The default model's tokenizer, loaded once: prompt lengths are promised in its tokens.
enum TokenizerFixture {
    static let tokenizer: any Tokenizer = {
        do {
            return try ServeBenchmark.loadTokenizer(path: DefaultModel.ensure { print($0) })
        } catch {
            fatalError("the bench tests need the default model's tokenizer: \(error)")
        }
    }()

    static func count(_ text: String) -> Int {
        tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false).count
    }
}

/// Test resources: files under `Resources/`.
enum Fixtures {
    static func path(_ name: String, _ ext: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources") else {
            throw FixtureMissing(name: "\(name).\(ext)")
        }
        return url.path
    }

    struct FixtureMissing: Error { let name: String }
}
