import Testing
@testable import SluiceTokenizer

@Suite("incremental decoder")
struct IncrementalDecoderTests {
    private let tokenizer: any Tokenizer

    init() throws {
        tokenizer = try makeTokenizer(vocabulary: makeSentencePieceVocabulary(
            pieces: [("▁hi", -1)], extraTokens: [("<ctrl>", 3)], addSpacePrefix: false))
    }

    @Test("a character split across byte tokens is returned once its last byte arrives")
    func splitCharacter() {
        var decoder = IncrementalDecoder(tokenizer: tokenizer)
        let pizza = Array("🍕".utf8)
        #expect(decoder.add(byteTokenID(pizza[0])) == "")
        #expect(decoder.add(byteTokenID(pizza[1])) == "")
        #expect(decoder.add(byteTokenID(pizza[2])) == "")
        #expect(decoder.hasPendingBytes)
        #expect(decoder.add(byteTokenID(pizza[3])) == "🍕")
        #expect(!decoder.hasPendingBytes)
        #expect(decoder.flush() == "")
    }

    @Test("an unfinished sequence at the end becomes U+FFFD when flushed")
    func flushUnfinished() {
        var decoder = IncrementalDecoder(tokenizer: tokenizer)
        let hi = tokenID("▁hi", in: tokenizer)!
        #expect(decoder.add([hi, byteTokenID(0xE2), byteTokenID(0x82)]) == " hi")
        #expect(decoder.flush() == "\u{FFFD}")
        #expect(decoder.flush() == "")
    }

    @Test("bytes that can never become valid UTF-8 are replaced at once")
    func invalidBytes() {
        var decoder = IncrementalDecoder(tokenizer: tokenizer)
        #expect(decoder.add(byteTokenID(0xFF)) == "\u{FFFD}")
        #expect(decoder.add(byteTokenID(0xE0)) == "")
        // E0 must be followed by A0...BF: E0 80 is an overlong form, never valid.
        #expect(decoder.add(byteTokenID(0x80)) == "\u{FFFD}\u{FFFD}")
    }

    @Test("control tokens add nothing unless special tokens are rendered, and no leading space is dropped")
    func controlTokens() throws {
        let control = try #require(tokenID("<ctrl>", in: tokenizer))
        let hi = try #require(tokenID("▁hi", in: tokenizer))
        var skipping = IncrementalDecoder(tokenizer: tokenizer)
        #expect(skipping.add([hi, control, hi]) == " hi hi")
        var rendering = IncrementalDecoder(tokenizer: tokenizer, skipSpecialTokens: false)
        #expect(rendering.add([hi, control]) == " hi<ctrl>")
    }

    @Test("the held-back length covers only a trailing sequence that more bytes could finish")
    func completePrefix() {
        #expect(IncrementalDecoder.lengthOfCompletePrefix(Array("ab".utf8)) == 2)
        #expect(IncrementalDecoder.lengthOfCompletePrefix([0x61, 0xF0, 0x9F, 0x8D]) == 1)
        #expect(IncrementalDecoder.lengthOfCompletePrefix([0x61, 0xC3]) == 1)
        #expect(IncrementalDecoder.lengthOfCompletePrefix([0x61, 0xF5]) == 2)
        #expect(IncrementalDecoder.lengthOfCompletePrefix([0x80, 0x80, 0x80, 0x80]) == 4)
        #expect(IncrementalDecoder.lengthOfCompletePrefix([]) == 0)
    }
}
