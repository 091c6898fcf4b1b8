import Testing
@testable import SluiceTokenizer

@Suite("building tokenizers from vocabulary metadata")
struct TokenizerVocabularyTests {
    @Test("an unknown tokenizer model is an error that names it")
    func unsupportedModel() {
        #expect(throws: TokenizerError.unsupportedModel("t5")) {
            try makeTokenizer(vocabulary: TokenizerVocabulary(model: "t5", tokens: ["a"]))
        }
        #expect(TokenizerError.unsupportedModel("t5").description.contains("\"t5\""))
    }

    @Test("an unknown pre-tokenizer is an error that names it")
    func unsupportedPreTokenizer() {
        #expect(throws: TokenizerError.unsupportedPreTokenizer("tekken")) {
            try makeTokenizer(vocabulary: makeByteLevelVocabulary(pre: "tekken", merges: []))
        }
    }

    @Test("a token listed twice is inconsistent metadata")
    func duplicateToken() {
        #expect(throws: TokenizerError.inconsistentMetadata("duplicate token \"a\" has ids 0 and 2")) {
            try makeTokenizer(vocabulary: TokenizerVocabulary(model: "gpt2", tokens: ["a", "b", "a"]))
        }
    }

    @Test("adding BOS without a BOS token in the vocabulary is inconsistent metadata")
    func addBOSWithoutBOS() {
        // llama.cpp's default BPE BOS id, 11, is outside this three-token vocabulary.
        #expect(throws: TokenizerError.self) {
            try makeTokenizer(vocabulary: TokenizerVocabulary(model: "gpt2", tokens: ["a", "b", "c"], addBOS: true))
        }
    }

    @Test("token types and scores shorter than the token list are inconsistent metadata")
    func shortArrays() {
        #expect(throws: TokenizerError.self) {
            try makeTokenizer(vocabulary: TokenizerVocabulary(model: "llama", tokens: ["a", "b"], tokenTypes: [1]))
        }
        #expect(throws: TokenizerError.self) {
            try makeTokenizer(vocabulary: TokenizerVocabulary(model: "llama", tokens: ["a", "b"], scores: [0]))
        }
    }
}
