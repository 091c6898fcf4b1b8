import SluiceBench
import Testing

@Suite("Text of an exact number of tokens")
struct WordTextBuilderTests {
    let builder: WordTextBuilder

    init() throws {
        builder = try WordTextBuilder(tokenizer: TokenizerFixture.tokenizer)
    }

    @Test("built text has exactly the asked number of tokens", arguments: [1, 2, 7, 32, 255, 1000])
    func exactLength(tokens: Int) throws {
        var random = BenchRandom(seed: UInt64(tokens))
        for _ in 0..<3 {
            let text = try builder.text(tokens: tokens, random: &random)
            #expect(TokenizerFixture.count(text) == tokens)
        }
    }
}
