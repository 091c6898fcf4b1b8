/// Why a request stopped generating, in vLLM's words (`stop`, `length`, `abort`).
public enum FinishReason: String, Sendable, Equatable, CustomStringConvertible {
    /// It produced an EOS or stop token.
    case stop
    /// It reached `max_tokens` or the model's context length.
    case length
    /// The client aborted it or went away.
    case abort

    /// The reason as the OpenAI API spells it.
    public var description: String { rawValue }
}
