import SluiceBench
import Testing

@Suite("The shared-prefix dataset")
struct PrefixDatasetTests {
    let builder: WordTextBuilder

    init() throws {
        builder = try WordTextBuilder(tokenizer: TokenizerFixture.tokenizer)
    }

    @Test("prefix prompts share one system prompt of exactly the prefix length before each question")
    func prefixDataset() throws {
        let questions = [BenchPrompt(prompt: "What is a river?", promptTokens: 5, outputTokens: 9),
                         BenchPrompt(prompt: "Why is the sea salty?", promptTokens: 6, outputTokens: 4)]
        let prompts = try PrefixDataset.make(questions: questions, prefixLength: 100, builder: builder, seed: 2)
        let prefix = try #require(prompts[0].systemPrompt)
        #expect(TokenizerFixture.count(prefix) == 100)
        #expect(prompts.allSatisfy { $0.systemPrompt == prefix })
        #expect(prompts.map(\.prompt) == questions.map(\.prompt))
        #expect(prompts.map(\.promptTokens) == [105, 106])
        #expect(prompts.map(\.outputTokens) == [9, 4])
        #expect(prompts[1].completionText == prefix + "\n\nWhy is the sea salty?")
    }

    @Test("with several prefixes each prompt draws one of them, every one is used, and the first is the single-prefix one")
    func severalPrefixes() throws {
        let questions = (0..<64).map { BenchPrompt(prompt: "Question \($0)?", promptTokens: 4, outputTokens: 2) }
        let single = try PrefixDataset.make(questions: questions, prefixLength: 50, builder: builder, seed: 7)
        let prompts = try PrefixDataset.make(questions: questions, prefixLength: 50, numPrefixes: 8, builder: builder, seed: 7)
        let prefixes = Set(prompts.compactMap(\.systemPrompt))
        #expect(prefixes.count == 8)
        #expect(prefixes.allSatisfy { TokenizerFixture.count($0) == 50 })
        #expect(prefixes.contains(try #require(single[0].systemPrompt)))
        #expect(prompts.map(\.prompt) == questions.map(\.prompt))
        // Drawn, not dealt in turn: a round-robin router over 2 replicas must not see each prefix on one replica.
        let even = Set(prompts.enumerated().filter { $0.offset % 2 == 0 }.compactMap(\.element.systemPrompt))
        #expect(even.count > 4)
        let again = try PrefixDataset.make(questions: questions, prefixLength: 50, numPrefixes: 8, builder: builder, seed: 7)
        #expect(again.map(\.systemPrompt) == prompts.map(\.systemPrompt))
        #expect(throws: BenchError.badOption("--num-prefixes must be at least 1")) {
            try PrefixDataset.make(questions: questions, prefixLength: 50, numPrefixes: 0, builder: builder, seed: 7)
        }
    }

    @Test("a prefix length below 1 is refused with the flag's name")
    func badLength() {
        #expect(throws: BenchError.badOption("--prefix-len must be at least 1")) {
            try PrefixDataset.make(questions: [], prefixLength: 0, builder: builder, seed: 0)
        }
    }
}
