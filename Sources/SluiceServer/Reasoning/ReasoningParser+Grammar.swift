import SluiceEngine
import SluiceTokenizer

/// Structured outputs after the thought: a thinking model that must answer in a grammar thinks freely first,
/// and the grammar (a schema, a forced or lazy tool call) starts at `</think>`, as vLLM's structured-output
/// manager waits for its reasoning parser's `is_reasoning_end`.
extension ReasoningParser {
    /// Where the grammar of a request whose output starts inside a thought may start: at `</think>`, as one
    /// token where the tokenizer has it as one, and as text always (the model may spell it in pieces, and this
    /// parser reads text). Nil when the output starts outside a thought (Qwen3 with `enable_thinking: false`,
    /// whose template closed it): the grammar applies from the first token.
    func reasoningEnd(tokenizer: any Tokenizer) -> ReasoningEnd? {
        guard startsInThought else { return nil }
        let tag = tokenizer.encode(Self.closeTag, addSpecialTokens: false, parseSpecial: true)
        return ReasoningEnd(tokenIDs: tag.count == 1 ? [tag[0]] : [], pattern: Array(Self.closeTag.utf8))
    }
}
