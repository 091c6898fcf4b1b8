import Foundation
import Testing
@testable import SluiceTokenizer

/// A small tokenizer.json, with `model`, `normalizer` and the rest replaceable.
private func tokenizerJSON(model: String? = nil, normalizer: String = #"{"type": "BertNormalizer", "lowercase": true}"#,
                           preTokenizer: String = #"{"type": "BertPreTokenizer"}"#, postProcessor: String? = nil,
                           addedTokens: String? = nil) -> Data {
    let vocabulary = ###"{"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5, "##s": 6, "!": 7, "wor": 8}"###
    let model = model ?? ###"{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": \###(vocabulary)}"###
    let post = postProcessor ?? #"""
        {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
         {"SpecialToken": {"id": "[SEP]", "type_id": 0}}], "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
         "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}
        """#
    let added = addedTokens ?? #"""
        [{"id": 1, "content": "[UNK]", "special": true, "normalized": false, "single_word": false, "lstrip": false, "rstrip": false},
         {"id": 2, "content": "[CLS]", "special": true, "normalized": false, "single_word": false, "lstrip": false, "rstrip": false},
         {"id": 3, "content": "[SEP]", "special": true, "normalized": false, "single_word": false, "lstrip": false, "rstrip": false}]
        """#
    return Data(###"""
        {"version": "1.0", "truncation": null, "padding": null, "added_tokens": \###(added), "normalizer": \###(normalizer),
         "pre_tokenizer": \###(preTokenizer), "post_processor": \###(post), "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
         "model": \###(model), "unknown_future_key": 1}
        """###.utf8)
}

@Suite("Building a tokenizer from tokenizer.json")
struct TokenizerJSONTests {
    @Test("a small WordPiece tokenizer.json tokenizes, post-processes and decodes; unknown keys are ignored")
    func small() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: tokenizerJSON())
        #expect(tokenizer.vocabularySize == 9)
        #expect(tokenizer.encode("Hello Worlds!", addSpecialTokens: true, parseSpecial: true) == [2, 4, 5, 6, 7, 3])
        #expect(tokenizer.encode("hello xyz", addSpecialTokens: false, parseSpecial: true) == [4, 1])
        #expect(tokenizer.decode([2, 4, 5, 6, 7, 3], skipSpecialTokens: true) == "hello worlds !")

        let bertProcessing = try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(
            postProcessor: #"{"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}"#))
        #expect(bertProcessing.encode("hello", addSpecialTokens: true, parseSpecial: true) == [2, 4, 3])
        let none = try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(postProcessor: "null"))
        #expect(none.encode("hello", addSpecialTokens: true, parseSpecial: true) == [4] && !none.addBOS)
        // Without lower-casing, "Hello" is no piece.
        let cased = try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(normalizer: #"{"type": "BertNormalizer", "lowercase": false}"#))
        #expect(cased.encode("Hello hello", addSpecialTokens: false, parseSpecial: true) == [1, 4])
    }

    @Test("a stage Sluice lacks is refused by name")
    func unsupported() {
        #expect(throws: TokenizerError.unsupportedComponent(stage: "model", type: "BPE")) {
            try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(model: #"{"type": "BPE", "vocab": {}, "merges": []}"#))
        }
        #expect(throws: TokenizerError.unsupportedComponent(stage: "normalizer", type: "Sequence")) {
            try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(normalizer: #"{"type": "Sequence", "normalizers": []}"#))
        }
        #expect(throws: TokenizerError.unsupportedComponent(stage: "pre_tokenizer", type: "ByteLevel")) {
            try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(preTokenizer: #"{"type": "ByteLevel"}"#))
        }
        #expect(throws: TokenizerError.unsupportedComponent(stage: "post_processor", type: "RobertaProcessing")) {
            try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(postProcessor: #"{"type": "RobertaProcessing"}"#))
        }
        #expect(throws: TokenizerError.self) {
            try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(addedTokens: #"[{"id": 2, "content": "[CLS]", "lstrip": true}]"#))
        }
        #expect(TokenizerError.unsupportedComponent(stage: "model", type: "BPE").description.contains("model BPE"))
    }

    @Test("invalid JSON, a missing or mistyped key, a missing [UNK] and a hole in the ids are errors that say so")
    func invalid() {
        func message(_ data: Data) -> String? {
            do {
                _ = try WordPieceTokenizer(tokenizerJSON: data)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message(Data("{\"model\": ".utf8))?.hasPrefix("tokenizer.json is invalid: not JSON") == true)
        #expect(message(Data("{}".utf8)) == "tokenizer.json is invalid: model is missing")
        #expect(message(tokenizerJSON(model: #"{"type": "WordPiece", "vocab": [1, 2]}"#))?.contains("model.vocab") == true)
        #expect(throws: TokenizerError.missingUnknownToken("[UNK]")) {
            try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(model: #"{"type": "WordPiece", "vocab": {"a": 0, "[CLS]": 1, "[SEP]": 2, "[UNK]x": 3}}"#,
                                                                 postProcessor: "null", addedTokens: "[]"))
        }
        #expect(throws: TokenizerError.inconsistentMetadata("no token has id 1, below the largest id 2")) {
            try WordPieceTokenizer(tokenizerJSON: tokenizerJSON(model: #"{"type": "WordPiece", "vocab": {"a": 0, "[UNK]": 2}}"#,
                                                                 postProcessor: "null", addedTokens: "[]"))
        }
        #expect(message(tokenizerJSON(postProcessor: #"{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[BOS]"}}], "special_tokens": {}}"#))?
            .contains("[BOS]") == true)
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSONAt: "/no/such/tokenizer.json") }
    }

    @Test("a GGUF bert vocabulary is read back into WordPiece: ▁ marks word starts, the rest are ## pieces")
    func ggufVocabulary() throws {
        // "▁" then a combining mark is one Character, but still a word-initial piece.
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "\u{2581}hello", "\u{2581}wor", "ld", "s", "[unused0]", "\u{2581}\u{094B}"]
        let vocabulary = TokenizerVocabulary(model: "bert", tokens: tokens, tokenTypes: [3, 3, 3, 3, 1, 1, 1, 1, 1, 1],
                                             bosTokenID: 2, eosTokenID: 3, unknownTokenID: 1, separatorTokenID: 3)
        let tokenizer = try makeTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.tokenText(5) == "wor" && tokenizer.tokenText(6) == "##ld" && tokenizer.tokenText(8) == "[unused0]")
        #expect(Array(tokenizer.tokenText(9).unicodeScalars) == ["\u{094B}"])
        #expect(tokenizer.encode("Hello worlds [SEP]", addSpecialTokens: true, parseSpecial: true) == [2, 4, 5, 6, 7, 3, 3])
        #expect(tokenizer.encode("hello", addSpecialTokens: false, parseSpecial: true) == [4])
        #expect(tokenizer.decode([2, 4, 5, 6, 3], skipSpecialTokens: true) == "hello world")

        var noUnknown = vocabulary
        noUnknown.tokens[1] = "[NOPE]"
        noUnknown.unknownTokenID = nil
        #expect(throws: TokenizerError.missingUnknownToken("[UNK]")) { try makeTokenizer(vocabulary: noUnknown) }
        var duplicate = vocabulary
        duplicate.tokens[7] = "\u{2581}hello"
        #expect(throws: TokenizerError.inconsistentMetadata("duplicate token \"hello\" has ids 4 and 7")) {
            try makeTokenizer(vocabulary: duplicate)
        }
        var noSeparator = vocabulary
        noSeparator.addSEP = false
        #expect(try makeTokenizer(vocabulary: noSeparator).encode("hello", addSpecialTokens: true, parseSpecial: true) == [2, 4])
    }
}
