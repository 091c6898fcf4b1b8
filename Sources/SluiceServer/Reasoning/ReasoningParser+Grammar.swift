import SluiceEngine
import SluiceTokenizer

/// Structured outputs after the thought: a thinking model that must answer in a grammar thinks freely first,
/// and the grammar (a schema, a forced or lazy tool call) starts at `</think>`, as vLLM's structured-output
/// manager waits for its reasoning parser's `is_reasoning_end`.
extension ReasoningParser {
    /// Where the grammar of a request whose output starts inside a thought may start: at `</think>`, as one
    /// token where the tokenizer has it as one, and as text always (the model may spell it in pieces, and this
    /// parser reads text). When the output starts outside a thought but the model may open one itself
    /// (``mayOpenThought``, Qwen3 whose prompt left none open), the grammar applies from the first token
    /// except that `<think>`, where the tokenizer has it as one token, may come first and then defers the
    /// grammar to `</think>`. Nil otherwise (Qwen3 with `enable_thinking: false`, whose template closed the
    /// thought): the grammar applies from the first token.
    func reasoningEnd(tokenizer: any Tokenizer) -> ReasoningEnd? {
        let close = tokenizer.encode(Self.closeTag, addSpecialTokens: false, parseSpecial: true)
        let end = ReasoningEnd(tokenIDs: close.count == 1 ? [close[0]] : [], pattern: Array(Self.closeTag.utf8))
        if startsInThought { return end }
        let open = tokenizer.encode(Self.openTag, addSpecialTokens: false, parseSpecial: true)
        guard mayOpenThought, open.count == 1 else { return nil }
        var optional = end
        optional.startsInThought = false
        optional.openingTokenIDs = [open[0]]
        return optional
    }
}
