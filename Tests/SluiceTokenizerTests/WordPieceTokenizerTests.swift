import Foundation
import SluiceAssets
import SluiceModel
import Testing
@testable import SluiceTokenizer

/// `Resources/wordpiece_minilm.json`, written from Hugging Face's `tokenizers` by
/// `scripts/make_wordpiece_fixtures.py`.
private struct WordPieceFixture: Decodable {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
    }

    struct Special: Decodable {
        let prefix: [Int]
        let suffix: [Int]
    }

    let withSpecialTokens: Special
    let nomicVocabularySame: Bool
    let nomicIDsSame: Bool
    let nomicIDs: [[Int]]?
    let cases: [Case]

    enum CodingKeys: String, CodingKey {
        case cases
        case withSpecialTokens = "with_special_tokens"
        case nomicVocabularySame = "nomic_vocabulary_same"
        case nomicIDsSame = "nomic_ids_same"
        case nomicIDs = "nomic_ids"
    }

    static func load() throws -> WordPieceFixture {
        let url = try #require(Bundle.module.url(forResource: "wordpiece_minilm", withExtension: "json", subdirectory: "Resources"))
        return try JSONDecoder().decode(WordPieceFixture.self, from: Data(contentsOf: url))
    }
}

/// A catalog model's path, fetched into the cache on first use.
private func catalogModelPath(_ name: String) -> String {
    do {
        return try ModelCache.default.ensure(ModelCatalog.entry(named: name)!) { print($0) }
    } catch {
        fatalError("WordPiece tests need \(name): \(error)")
    }
}

private let minilm: WordPieceTokenizer? = try? WordPieceTokenizer(tokenizerJSONAt: catalogModelPath("minilm") + "/tokenizer.json")
private let nomic: (any Tokenizer)? = try? makeTokenizer(vocabulary: TokenizerVocabulary(gguf: GGUFFile(path: catalogModelPath("nomic-embed"))))

/// Every case whose ids differ, as lines to show.
private func mismatches(_ tokenizer: any Tokenizer, _ cases: [WordPieceFixture.Case], expected: [[Int]],
                        special: WordPieceFixture.Special) -> [String] {
    var lines: [String] = []
    for (testCase, ids) in zip(cases, expected) {
        let plain = tokenizer.encode(testCase.text, addSpecialTokens: false, parseSpecial: true)
        let full = tokenizer.encode(testCase.text, addSpecialTokens: true, parseSpecial: true)
        if plain != ids || full != special.prefix + ids + special.suffix {
            lines.append("\(testCase.text.debugDescription): got \(plain), tokenizers \(ids)")
        }
    }
    return lines
}

@Suite("WordPiece (BERT) tokenization against Hugging Face's tokenizers")
struct WordPieceTokenizerTests {
    @Test("every fixture string encodes from MiniLM's tokenizer.json to the ids tokenizers gives, with and without [CLS] … [SEP]")
    func minilmFixture() throws {
        let tokenizer = try #require(minilm)
        let fixture = try WordPieceFixture.load()
        #expect(fixture.cases.count >= 3_400)
        #expect(try makeTokenizer(tokenizerJSONAt: catalogModelPath("minilm") + "/tokenizer.json") is WordPieceTokenizer)
        let wrong = mismatches(tokenizer, fixture.cases, expected: fixture.cases.map(\.ids), special: fixture.withSpecialTokens)
        #expect(wrong.isEmpty, "\(wrong.count) of \(fixture.cases.count) differ:\n\(wrong.prefix(40).joined(separator: "\n"))")
    }

    @Test("the nomic-embed GGUF's vocabulary, its llama.cpp rewrite undone, tokenizes every fixture string as tokenizers does")
    func nomicFixture() throws {
        let tokenizer = try #require(nomic)
        let fixture = try WordPieceFixture.load()
        #expect(tokenizer is WordPieceTokenizer)
        #expect(tokenizer.vocabularySize == 30_522 && tokenizer.bosTokenID == 101 && tokenizer.eosTokenID == 102 && tokenizer.addBOS)
        let expected = fixture.nomicIDsSame ? fixture.cases.map(\.ids) : try #require(fixture.nomicIDs)
        let wrong = mismatches(tokenizer, fixture.cases, expected: expected, special: fixture.withSpecialTokens)
        #expect(wrong.isEmpty, "\(wrong.count) of \(fixture.cases.count) differ:\n\(wrong.prefix(40).joined(separator: "\n"))")
        // The same bert-base-uncased vocabulary as MiniLM's, token for token.
        if fixture.nomicVocabularySame, let minilm {
            #expect((0..<30_522).allSatisfy { tokenizer.tokenText($0) == minilm.tokenText($0) })
        }
    }

    @Test("decoding glues ## pieces to the word before and spaces words; special tokens show only when asked")
    func decode() throws {
        let tokenizer = try #require(minilm)
        let ids = tokenizer.encode("Unaffable playing, isn't it?", addSpecialTokens: true, parseSpecial: false)
        #expect(ids.map(tokenizer.tokenText) == ["[CLS]", "una", "##ffa", "##ble", "playing", ",", "isn", "'", "t", "it", "?", "[SEP]"])
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "unaffable playing , isn ' t it ?")
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == "[CLS] unaffable playing , isn ' t it ? [SEP]")
        #expect(tokenizer.tokenBytes(ids[2]) == Array("ffa".utf8) && tokenizer.tokenBytes(ids[1]) == Array(" una".utf8))
        #expect(tokenizer.tokenBytes(101).isEmpty && tokenizer.tokenBytes(101, skipSpecialTokens: false) == Array(" [CLS]".utf8))
        #expect(tokenizer.tokenText(-1) == "" && tokenizer.tokenText(30_522) == "" && tokenizer.tokenBytes(40_000).isEmpty)
        #expect(tokenizer.endOfGenerationTokenIDs == [102])
    }

    @Test("special tokens in the text are tokens only when parsed, and never inside literal ranges")
    func specialTokensInText() throws {
        let tokenizer = try #require(minilm)
        let text = "[CLS] hi [SEP]"
        #expect(tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true) == [101, 7632, 102])
        let literal = tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false)
        #expect(literal.map(tokenizer.tokenText) == ["[", "cl", "##s", "]", "hi", "[", "sep", "]"])
        #expect(tokenizer.encode(text, addSpecialTokens: false, literalRanges: [9..<14]) == [101, 7632] + literal.suffix(3))
    }

    @Test("a word over 100 characters, or one no pieces cover, is [UNK] alone")
    func unknownWords() throws {
        let tokenizer = try #require(minilm)
        #expect(tokenizer.encode(String(repeating: "a", count: 101), addSpecialTokens: false, parseSpecial: false) == [100])
        #expect(tokenizer.encode(String(repeating: "a", count: 100), addSpecialTokens: false, parseSpecial: false).count > 1)
        // "x" is a piece, but "##😀" is none: the whole word goes. A private-use character is dropped by clean-up.
        #expect(tokenizer.encode("ok x😀 ok", addSpecialTokens: false, parseSpecial: false) == [7929, 100, 7929])
        #expect(tokenizer.encode("ok \u{10FFFD}x ok", addSpecialTokens: false, parseSpecial: false) == [7929, 1060, 7929])
    }

    @Test("any text, unassigned, private-use and noncharacter code points included, gives ids inside the vocabulary")
    func arbitraryText() throws {
        let tokenizer = try #require(minilm)
        var state: UInt64 = 16
        func next(_ bound: UInt32) -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 33) % bound
        }
        for _ in 0..<500 {
            var text = String.UnicodeScalarView()
            for _ in 0..<next(40) {
                if let scalar = Unicode.Scalar(next(0x11_0000)) { text.append(scalar) }
                if next(4) == 0 { text.append(" ") }
            }
            let string = String(text)
            let ids = tokenizer.encode(string, addSpecialTokens: true, parseSpecial: true)
            #expect(ids.first == 101 && ids.last == 102 && ids.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) })
            #expect(tokenizer.encode(string, addSpecialTokens: true, parseSpecial: true) == ids)
            _ = tokenizer.decode(ids, skipSpecialTokens: true)
        }
    }

    @Test("BERT's character classes agree with tokenizers' over every code point")
    func characterClasses() throws {
        struct Classes: Decodable {
            let droppedByCleanUp: [[UInt32]]
            let punctuation: [[UInt32]]
            enum CodingKeys: String, CodingKey {
                case droppedByCleanUp = "dropped_by_clean_up"
                case punctuation
            }
        }
        let url = try #require(Bundle.module.url(forResource: "bert_character_classes", withExtension: "json", subdirectory: "Resources"))
        let classes = try JSONDecoder().decode(Classes.self, from: Data(contentsOf: url))
        func set(_ ranges: [[UInt32]]) -> Set<UInt32> { Set(ranges.flatMap { $0[0]...$0[1] }) }
        let dropped = set(classes.droppedByCleanUp)
        let punctuation = set(classes.punctuation)
        var wrong: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let drops = value == 0 || value == 0xFFFD || BertCharacterClass.isControl(scalar)
            if drops != dropped.contains(value) { wrong.append("U+\(String(value, radix: 16)) clean-up: \(drops)") }
            if BertCharacterClass.isPunctuation(scalar) != punctuation.contains(value) {
                wrong.append("U+\(String(value, radix: 16)) punctuation: \(!punctuation.contains(value))")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) differ: \(wrong.prefix(40).joined(separator: ", "))")
    }
}
