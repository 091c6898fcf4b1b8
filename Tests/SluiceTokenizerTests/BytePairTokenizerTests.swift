import Testing
@testable import SluiceTokenizer

@Suite("byte-level BPE tokenizer")
struct BytePairTokenizerTests {
    private let merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld"]

    private func makeTokenizer(merges: [String]? = nil, pre: String? = "gpt-2") throws -> any Tokenizer {
        try SluiceTokenizer.makeTokenizer(vocabulary: makeByteLevelVocabulary(
            pre: pre,
            merges: merges ?? self.merges,
            extraTokens: [("<|end|>", 3), ("<tool>", 4)],
            eosTokenID: 256 + 9))
    }

    @Test("words merge by rank into whole tokens, the space as Ġ")
    func merging() throws {
        let tokenizer = try makeTokenizer()
        let ids = tokenizer.encode("hello world", addSpecialTokens: false, parseSpecial: false)
        #expect(ids.map(tokenizer.tokenText) == ["hello", "Ġworld"])
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "hello world")
    }

    @Test("the lowest-ranked pair merges first")
    func rankOrder() throws {
        let heFirst = try makeTokenizer(merges: ["h e", "e l"])
        #expect(heFirst.encode("hel", addSpecialTokens: false, parseSpecial: false).map(heFirst.tokenText) == ["he", "l"])
        let elFirst = try makeTokenizer(merges: ["e l", "h e"])
        #expect(elFirst.encode("hel", addSpecialTokens: false, parseSpecial: false).map(elFirst.tokenText) == ["h", "el"])
    }

    @Test("bytes without merges stay single byte-alphabet tokens and decode back exactly")
    func unmergedBytes() throws {
        let tokenizer = try makeTokenizer()
        let text = "é\t🍕 \u{0}"
        let ids = tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false)
        #expect(ids.count == text.utf8.count)
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == text)
    }

    @Test("control tokens are recognized only when parsing special tokens; user-defined ones always")
    func specialTokens() throws {
        let tokenizer = try makeTokenizer()
        let end = try #require(tokenID("<|end|>", in: tokenizer))
        let tool = try #require(tokenID("<tool>", in: tokenizer))
        let parsed = tokenizer.encode("hello<|end|><tool>", addSpecialTokens: false, parseSpecial: true)
        #expect(parsed.map(tokenizer.tokenText) == ["hello", "<|end|>", "<tool>"])
        let unparsed = tokenizer.encode("hello<|end|><tool>", addSpecialTokens: false, parseSpecial: false)
        #expect(!unparsed.contains(end))
        #expect(unparsed.last == tool)
        // User-defined tokens decode to their text; control tokens only when rendered.
        #expect(tokenizer.decode(parsed, skipSpecialTokens: true) == "hello<tool>")
        #expect(tokenizer.decode(parsed, skipSpecialTokens: false) == "hello<|end|><tool>")
    }

    @Test("control tokens inside literal ranges stay text; outside them, and user-defined ones, are still cut")
    func literalRanges() throws {
        let tokenizer = try makeTokenizer()
        let end = try #require(tokenID("<|end|>", in: tokenizer))
        let tool = try #require(tokenID("<tool>", in: tokenizer))
        // "<|end|>hello<|end|><tool>": the second <|end|> and <tool> are message text (bytes 7..<25).
        let text = "<|end|>hello<|end|><tool>"
        let ids = tokenizer.encode(text, addSpecialTokens: false, literalRanges: [7..<25])
        #expect(ids.first == end)
        #expect(ids.filter { $0 == end }.count == 1)
        #expect(ids.last == tool)
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == text)
        // A range that only touches a control token's first byte is enough to keep it text.
        #expect(!tokenizer.encode("<|end|>", addSpecialTokens: false, literalRanges: [0..<1]).contains(end))
        // No ranges: the same as parsing special tokens.
        #expect(tokenizer.encode(text, addSpecialTokens: false, literalRanges: [])
            == tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true))
    }

    @Test("end-of-generation tokens are EOS plus end-of-turn tokens found by their text")
    func endOfGeneration() throws {
        let tokenizer = try makeTokenizer()
        let end = try #require(tokenID("<|end|>", in: tokenizer))
        #expect(tokenizer.endOfGenerationTokenIDs == [256 + 9, end])
        #expect(tokenizer.eosTokenID == 256 + 9)
        #expect(!tokenizer.addBOS)
    }

    @Test("Llama 3's pre-tokenizer adds BOS by default and takes a word that is a token whole")
    func llama3Defaults() throws {
        var vocabulary = makeByteLevelVocabulary(pre: "llama-bpe", merges: ["h e", "l l", "o w"], bosTokenID: 3)
        // "hellow" is a token, but the merges alone would give "he" "ll" "ow".
        vocabulary.tokens.append("hellow")
        vocabulary.tokenTypes.append(1)
        let tokenizer = try SluiceTokenizer.makeTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.addBOS)
        let ids = tokenizer.encode("hellow", addSpecialTokens: true, parseSpecial: true)
        #expect(ids.map(tokenizer.tokenText) == [tokenizer.tokenText(3), "hellow"])
    }

    @Test("ids outside the vocabulary decode to nothing")
    func outOfRangeIDs() throws {
        let tokenizer = try makeTokenizer()
        let ids = tokenizer.encode("hello", addSpecialTokens: false, parseSpecial: false)
        #expect(tokenizer.decode([-1] + ids + [tokenizer.vocabularySize, 1 << 40], skipSpecialTokens: true) == "hello")
        #expect(tokenizer.tokenBytes(tokenizer.vocabularySize).isEmpty)
        #expect(tokenizer.tokenText(-5) == "")
    }
}
