/// Where a thinking model's thought ends in its output: a structured output waits for it and applies only
/// to what follows, so the model thinks freely and then answers in the grammar (vLLM's structured-output
/// manager skips a request's grammar until its reasoning parser says `is_reasoning_end`).
///
/// The end is found once; a second marker inside the answer means nothing. Tokens sampled before it are
/// neither constrained nor fed to the grammar, lazy triggers included: a `<tool_call>` written while
/// thinking opens no call.
public struct ReasoningEnd: Sendable, Equatable {
    /// Tokens that end the thought by themselves (Qwen3's `</think>` is one token).
    public var tokenIDs: Set<Int>
    /// The end marker's bytes, found across tokens when the model spells it in pieces; the bytes of the same
    /// token past it are the answer's first.
    public var pattern: [UInt8]
    /// Whether the output starts inside the thought. When not, the output may still open one with its very
    /// first token, one of ``openingTokenIDs`` (Qwen3 writes `<think>` itself when its prompt leaves no
    /// thought open): the grammar allows that token beside its own first ones and, if it is sampled, waits
    /// for the thought's end; any other first token starts the answer, constrained from there.
    public var startsInThought: Bool
    /// Tokens that open a thought (Qwen3's `<think>`), allowed first when the output starts outside one.
    public var openingTokenIDs: Set<Int>

    public init(tokenIDs: Set<Int> = [], pattern: [UInt8], startsInThought: Bool = true, openingTokenIDs: Set<Int> = []) {
        self.tokenIDs = tokenIDs
        self.pattern = pattern
        self.startsInThought = startsInThought
        self.openingTokenIDs = openingTokenIDs
    }
}
