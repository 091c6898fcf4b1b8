import SluiceTokenizer

/// vLLM's `sharegpt` dataset: the first human turn of each conversation as the prompt, and the
/// reply's length in tokens, capped, as the output length.
public enum ShareGPTDataset {
    /// The limits vLLM prunes ShareGPT samples by.
    public static let minTokens = 4
    public static let maxPromptTokens = 1024
    public static let maxTotalTokens = 2048

    /// `count` prompts drawn from `file` in an order shuffled with `seed`.
    ///
    /// A conversation is used when its first turn is from "human" and the next from "gpt"; it is
    /// skipped when the prompt or the reply has fewer than 4 tokens, the prompt more than 1024, or
    /// the prompt plus the capped output more than 2048.
    public static func sample(file: ShareGPTFile, count: Int, maxOutputTokens: Int, tokenizer: any Tokenizer,
                              seed: UInt64) throws(BenchError) -> [BenchPrompt] {
        guard maxOutputTokens >= 1 else { throw .badOption("--max-output-tokens must be at least 1") }
        var random = BenchRandom(seed: seed)
        var prompts: [BenchPrompt] = []
        for index in Array(0..<file.count).shuffled(using: &random) {
            guard prompts.count < count else { break }
            let turns = try file.turns(at: index)
            guard turns.count >= 2, turns[0].from == "human", turns[1].from == "gpt" else { continue }
            let promptTokens = tokenizer.encode(turns[0].value, addSpecialTokens: false, parseSpecial: false).count
            guard (minTokens...maxPromptTokens).contains(promptTokens) else { continue }
            let replyTokens = tokenizer.encode(turns[1].value, addSpecialTokens: false, parseSpecial: false).count
            let outputTokens = min(replyTokens, maxOutputTokens)
            guard replyTokens >= minTokens, promptTokens + outputTokens <= maxTotalTokens else { continue }
            prompts.append(BenchPrompt(prompt: turns[0].value, promptTokens: promptTokens, outputTokens: outputTokens))
        }
        guard prompts.count == count else {
            throw .notEnoughPrompts(dataset: "ShareGPT", usable: prompts.count, needed: count)
        }
        return prompts
    }
}
