import SluiceBench
import Testing

@Suite("The random dataset")
struct RandomDatasetTests {
    let builder: WordTextBuilder

    init() throws {
        builder = try WordTextBuilder(tokenizer: TokenizerFixture.tokenizer)
    }

    @Test("random prompts are exact, distinct and the same for the same seed")
    func randomDataset() throws {
        let prompts = try RandomDataset.make(count: 6, inputLength: 32, outputLength: 8, builder: builder, seed: 5)
        #expect(prompts.count == 6)
        #expect(Set(prompts.map(\.prompt)).count == 6)
        for prompt in prompts {
            #expect(TokenizerFixture.count(prompt.prompt) == 32)
            #expect(prompt.promptTokens == 32 && prompt.outputTokens == 8 && prompt.systemPrompt == nil)
        }
        #expect(try prompts == RandomDataset.make(count: 6, inputLength: 32, outputLength: 8, builder: builder, seed: 5))
        #expect(try prompts != RandomDataset.make(count: 6, inputLength: 32, outputLength: 8, builder: builder, seed: 6))
    }

    @Test("lengths below 1 are refused with the flags' names")
    func badLengths() {
        #expect(throws: BenchError.badOption("--random-input-len and --random-output-len must be at least 1")) {
            try RandomDataset.make(count: 1, inputLength: 0, outputLength: 8, builder: builder, seed: 0)
        }
    }
}
