import Foundation
import SluiceModel
import Testing
@testable import SluiceTokenizer

/// One case of `Resources/tokenizer_smollm2.json`, written from llama.cpp by `scripts/make_fixtures.py`.
private struct FixtureCase: Decodable {
    let text: String
    let addSpecial: Bool
    let parseSpecial: Bool
    let ids: [Int]

    enum CodingKeys: String, CodingKey {
        case text, ids
        case addSpecial = "add_special"
        case parseSpecial = "parse_special"
    }
}

private struct Fixture: Decodable {
    let model: String
    let cases: [FixtureCase]
}


private func loadFixture() throws -> Fixture {
    let url = try #require(Bundle.module.url(forResource: "tokenizer_smollm2", withExtension: "json", subdirectory: "Resources"))
    return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
}

/// The SmolLM2 vocabulary and tokenizer, loaded once for the whole suite.
private let smolLMVocabulary: TokenizerVocabulary? = {
    try? TokenizerVocabulary(gguf: GGUFFile(path: defaultModelPath()))
}()
private let smolLM: (any Tokenizer)? = smolLMVocabulary.flatMap { try? makeTokenizer(vocabulary: $0) }

@Suite("SmolLM2 tokenizer against llama.cpp")
struct SmolLM2TokenizerTests {
    let tokenizer: any Tokenizer

    init() throws {
        tokenizer = try #require(smolLM)
    }

    @Test("the vocabulary's special tokens and flags follow its GGUF metadata")
    func metadata() {
        #expect(tokenizer.vocabularySize == 49_152)
        #expect(tokenizer.bosTokenID == 1)
        #expect(tokenizer.eosTokenID == 2)
        #expect(!tokenizer.addBOS)
        // <|endoftext|>, <|im_end|>, and <reponame> (a fill-in-the-middle repository marker) end generation in llama.cpp.
        #expect(tokenizer.endOfGenerationTokenIDs == [0, 2, 4])
        #expect(tokenizer.tokenText(1) == "<|im_start|>")
    }

    @Test("every fixture string encodes to llama.cpp's ids")
    func fixtureIDs() throws {
        let fixture = try loadFixture()
        #expect(fixture.cases.count >= 60)
        var mismatches: [String] = []
        for testCase in fixture.cases {
            let ids = tokenizer.encode(testCase.text, addSpecialTokens: testCase.addSpecial, parseSpecial: testCase.parseSpecial)
            if ids != testCase.ids {
                mismatches.append("\(testCase.text.debugDescription) (special: \(testCase.parseSpecial)): got \(ids), llama.cpp \(testCase.ids)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(fixture.cases.count) cases differ:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test("decoding the ids of text without parsed special tokens gives the text back")
    func roundTrip() throws {
        for testCase in try loadFixture().cases where !testCase.parseSpecial {
            #expect(tokenizer.decode(testCase.ids, skipSpecialTokens: true) == testCase.text)
        }
    }

    @Test("control tokens decode to nothing unless special tokens are rendered")
    func controlTokensDecode() {
        let ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>", addSpecialTokens: false, parseSpecial: true)
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "user\nHi")
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == "<|im_start|>user\nHi<|im_end|>")
        #expect(tokenizer.tokenBytes(2).isEmpty)
        #expect(tokenizer.tokenBytes(2, skipSpecialTokens: false) == Array("<|im_end|>".utf8))
    }

    @Test("incremental decoding holds back an emoji split across tokens until it is complete")
    func incrementalEmoji() {
        let ids = tokenizer.encode("I love pizza 🍕!", addSpecialTokens: false, parseSpecial: false)
        var decoder = IncrementalDecoder(tokenizer: tokenizer)
        var outputs: [String] = []
        for id in ids {
            outputs.append(decoder.add(id))
        }
        outputs.append(decoder.flush())
        #expect(outputs.joined() == "I love pizza 🍕!")
        // The emoji's four bytes come in several tokens: none of its pieces is returned alone.
        #expect(outputs.allSatisfy { !$0.contains("\u{FFFD}") })
        #expect(outputs.contains(" 🍕") || outputs.contains("🍕"))
    }

    @Test("the same vocabulary under other pre-tokenizer names tokenizes as llama.cpp does", arguments: [
        ("gpt-2", [
            [57, 5248, 637, 67, 637, 764, 1326, 982, 422, 2154, 23, 68],
            [256, 23799, 1792, 1116, 197, 105],
            [20, 33, 32, 32, 1232, 1885, 34, 32, 32, 2026, 10907, 17593, 1116],
        ]),
        ("llama-bpe", [
            [57, 5248, 637, 67, 637, 764, 1326, 982, 422, 2154, 23, 68],
            [256, 2738, 216, 1792, 1116, 197, 105],
            [20, 33, 32, 32, 1232, 1885, 34, 32, 32, 2026, 10907, 17593, 1116],
        ]),
        ("qwen2", [
            [57, 5248, 637, 67, 637, 764, 1326, 982, 422, 2154, 23, 68],
            [256, 2738, 216, 1792, 1116, 197, 105],
            [20, 33, 32, 32, 1232, 1885, 34, 32, 32, 2026, 10907, 17593, 1116],
        ]),
        ("default", [
            [57, 23, 93, 216, 23, 67, 216, 23, 764, 1326, 23, 100, 422, 2154, 23, 68],
            [256, 23799, 1792, 1116, 197, 105],
            [20, 33, 32, 32, 216, 27, 216, 20, 34, 32, 32, 2026, 10907, 17593, 1116],
        ]),
    ])
    func otherPreTokenizers(pre: String, expected: [[Int]]) throws {
        // Recorded from llama.cpp (llama-cpp-python 0.3.36) with SmolLM2's vocabulary re-labelled
        // with each tokenizer.ggml.pre name.
        var vocabulary = try #require(smolLMVocabulary)
        vocabulary.pre = pre
        let tokenizer = try makeTokenizer(vocabulary: vocabulary)
        let texts = ["I'm 'S 'll don't DON'T", "  \r\n  x\n\n\ty", "$100 + $200... ok?!\n\n"]
        for (text, ids) in zip(texts, expected) {
            #expect(tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false) == ids, "\(text.debugDescription)")
        }
    }
}
