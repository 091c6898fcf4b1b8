/// The shared-prefix workload: one system prompt of exactly `prefixLength` tokens before every
/// question, so a server with a prefix cache computes it once.
public enum PrefixDataset {
    /// `questions` with a shared prefix of random words (drawn from `seed`) put before each.
    public static func make(questions: [BenchPrompt], prefixLength: Int, builder: WordTextBuilder,
                            seed: UInt64) throws(BenchError) -> [BenchPrompt] {
        guard prefixLength >= 1 else { throw .badOption("--prefix-len must be at least 1") }
        // A seed apart from the questions' so that changing one never shifts the other.
        var random = BenchRandom(seed: seed ^ 0x5052_4546_4958)
        let prefix = try builder.text(tokens: prefixLength, random: &random)
        return questions.map {
            BenchPrompt(systemPrompt: prefix, prompt: $0.prompt, promptTokens: prefixLength + $0.promptTokens,
                        outputTokens: $0.outputTokens)
        }
    }
}
