/// vLLM's `random` dataset: prompts of exactly `inputLength` tokens, each asking for `outputLength`.
public enum RandomDataset {
    /// `count` prompts of random words, drawn from `seed`.
    public static func make(count: Int, inputLength: Int, outputLength: Int, builder: WordTextBuilder,
                            seed: UInt64) throws(BenchError) -> [BenchPrompt] {
        guard inputLength >= 1, outputLength >= 1 else {
            throw .badOption("--random-input-len and --random-output-len must be at least 1")
        }
        var random = BenchRandom(seed: seed)
        var prompts: [BenchPrompt] = []
        for _ in 0..<count {
            let text = try builder.text(tokens: inputLength, random: &random)
            prompts.append(BenchPrompt(prompt: text, promptTokens: inputLength, outputTokens: outputLength))
        }
        return prompts
    }
}
