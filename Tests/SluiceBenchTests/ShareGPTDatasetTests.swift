import SluiceBench
import Testing

@Suite("Sampling prompts from ShareGPT")
struct ShareGPTDatasetTests {
    let file: ShareGPTFile

    init() throws {
        file = try ShareGPTFile(path: Fixtures.path("sharegpt_truncated", "json"))
    }

    @Test("only human-then-gpt conversations with long enough turns are used, output capped")
    func filtering() throws {
        let prompts = try ShareGPTDataset.sample(file: file, count: 2, maxOutputTokens: 16,
                                                 tokenizer: TokenizerFixture.tokenizer, seed: 1)
        let first = try file.turns(at: 0)[0].value
        let poem = try file.turns(at: 3)[0].value
        #expect(Set(prompts.map(\.prompt)) == [first, poem])
        for prompt in prompts {
            #expect(prompt.promptTokens == TokenizerFixture.count(prompt.prompt))
            #expect(prompt.outputTokens == 16)  // both replies are longer than 16 tokens
            #expect(prompt.systemPrompt == nil)
        }
    }

    @Test("the output length is the reply's length in tokens when under the cap")
    func replyLength() throws {
        let prompts = try ShareGPTDataset.sample(file: file, count: 2, maxOutputTokens: 1000,
                                                 tokenizer: TokenizerFixture.tokenizer, seed: 1)
        let first = try #require(prompts.first { $0.prompt.hasPrefix("Explain") })
        #expect(first.outputTokens == TokenizerFixture.count(try file.turns(at: 0)[1].value))
    }

    @Test("the sample order follows the seed")
    func seeded() throws {
        let orders = try (0..<8).map { seed in
            try ShareGPTDataset.sample(file: file, count: 2, maxOutputTokens: 8, tokenizer: TokenizerFixture.tokenizer,
                                       seed: UInt64(seed)).map(\.prompt)
        }
        #expect(try orders[3] == ShareGPTDataset.sample(file: file, count: 2, maxOutputTokens: 8,
                                                        tokenizer: TokenizerFixture.tokenizer, seed: 3).map(\.prompt))
        #expect(Set(orders).count == 2)
    }

    @Test("asking for more prompts than the file has usable ones says so")
    func notEnough() {
        #expect(throws: BenchError.notEnoughPrompts(dataset: "ShareGPT", usable: 2, needed: 3)) {
            try ShareGPTDataset.sample(file: file, count: 3, maxOutputTokens: 8, tokenizer: TokenizerFixture.tokenizer,
                                       seed: 0)
        }
    }
}
