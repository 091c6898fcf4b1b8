import Testing
@testable import SluiceTokenizer

@Suite("SentencePiece BPE tokenizer")
struct SentencePieceTokenizerTests {
    /// Scores chosen so that merging by score and merging left to right disagree.
    private let pieces: [(text: String, score: Float)] = [
        ("▁", -10), ("a", -10), ("b", -10), ("c", -10), ("ab", -1), ("bc", -0.5), ("▁a", -2), ("abc", -3),
    ]

    private func makeTokenizer(addSpacePrefix: Bool? = nil) throws -> any Tokenizer {
        try SluiceTokenizer.makeTokenizer(vocabulary: makeSentencePieceVocabulary(
            pieces: pieces, extraTokens: [("<ctrl>", 3)], addSpacePrefix: addSpacePrefix))
    }

    @Test("the pair whose joined text has the highest score merges first, after a ▁ space prefix")
    func mergeByScore() throws {
        let tokenizer = try makeTokenizer()
        // "▁abc": "bc" (-0.5) beats "ab" (-1), then "▁a" (-2) merges; "abc" is never reached.
        let ids = tokenizer.encode("abc", addSpecialTokens: false, parseSpecial: false)
        #expect(ids.map(tokenizer.tokenText) == ["▁a", "bc"])
    }

    @Test("BOS is added by default and the space prefix is dropped again when decoding")
    func bosAndDecode() throws {
        let tokenizer = try makeTokenizer()
        #expect(tokenizer.addBOS)
        let ids = tokenizer.encode("abc", addSpecialTokens: true, parseSpecial: false)
        #expect(ids.first == 1)
        #expect(tokenizer.decode(Array(ids.dropFirst()), skipSpecialTokens: true) == "abc")
        // As llama.cpp's llama_detokenize: only the first token loses its leading space, and BOS is that token.
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == " abc")
    }

    @Test("characters that are not tokens fall back to their <0xXX> byte tokens")
    func byteFallback() throws {
        let tokenizer = try makeTokenizer(addSpacePrefix: false)
        let ids = tokenizer.encode("é", addSpecialTokens: false, parseSpecial: false)
        #expect(ids == [byteTokenID(0xC3), byteTokenID(0xA9)])
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "é")
        #expect(tokenizer.tokenBytes(byteTokenID(0xC3)) == [0xC3])
    }

    @Test("spaces become ▁, and text after a special token gets the space prefix again")
    func spacesAndSpecialTokens() throws {
        let tokenizer = try makeTokenizer()
        let control = try #require(tokenID("<ctrl>", in: tokenizer))
        let ids = tokenizer.encode("a<ctrl>a a", addSpecialTokens: false, parseSpecial: true)
        #expect(ids.map(tokenizer.tokenText) == ["▁a", "<ctrl>", "▁a", "▁a"])
        #expect(ids.contains(control))
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "a a a")
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == "a<ctrl> a a")
    }

    @Test("without add_space_prefix no ▁ is added before the text")
    func noSpacePrefix() throws {
        let tokenizer = try makeTokenizer(addSpacePrefix: false)
        // "bc" merges first, then "a" + "bc" = "abc", which the ▁ prefix prevented above.
        #expect(tokenizer.encode("abc", addSpecialTokens: false, parseSpecial: false).map(tokenizer.tokenText) == ["abc"])
    }
}
