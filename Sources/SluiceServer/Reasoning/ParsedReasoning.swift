/// A completion's text split by a ``ReasoningParser``: the thought and the answer. Each is nil when empty,
/// as vLLM returns `reasoning` and `content` (a thought cut off by `max_tokens` has no answer).
struct ParsedReasoning: Sendable, Equatable {
    var reasoning: String?
    var content: String?
}
