/// The shared-prefix workload: a system prompt of exactly `prefixLength` tokens before every
/// question, so a server with a prefix cache computes it once. With several prefixes (as vLLM's
/// `prefix_repetition` dataset has) each question gets one drawn at random, which is the workload
/// of replicas behind a router: a cache-aware router keeps each prefix on one replica, a
/// round-robin one spreads every prefix over all of them.
public enum PrefixDataset {
    /// `questions` with one of `numPrefixes` prefixes of random words (drawn from `seed`) put before each.
    public static func make(questions: [BenchPrompt], prefixLength: Int, numPrefixes: Int = 1, builder: WordTextBuilder,
                            seed: UInt64) throws(BenchError) -> [BenchPrompt] {
        guard prefixLength >= 1 else { throw .badOption("--prefix-len must be at least 1") }
        guard numPrefixes >= 1 else { throw .badOption("--num-prefixes must be at least 1") }
        // A seed apart from the questions' so that changing one never shifts the other; the first
        // prefix is the same whatever the number of prefixes.
        var random = BenchRandom(seed: seed ^ 0x5052_4546_4958)
        var prefixes: [String] = []
        for _ in 0..<numPrefixes { prefixes.append(try builder.text(tokens: prefixLength, random: &random)) }
        // The draw has a stream of its own, so the prefixes' text does not depend on the questions.
        var draw = BenchRandom(seed: seed ^ 0x4452_4157)
        return questions.map {
            let prefix = numPrefixes == 1 ? prefixes[0] : prefixes[Int(draw.next() % UInt64(numPrefixes))]
            return BenchPrompt(systemPrompt: prefix, prompt: $0.prompt, promptTokens: prefixLength + $0.promptTokens,
                               outputTokens: $0.outputTokens)
        }
    }
}
