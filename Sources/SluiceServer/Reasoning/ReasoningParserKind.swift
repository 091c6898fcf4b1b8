/// The reasoning parsers `--reasoning-parser` offers, under vLLM's names. Both read a thought written as
/// `<think>…</think>`; they differ in where the output starts when it does not open with `<think>`.
public enum ReasoningParserKind: String, CaseIterable, Sendable {
    /// Qwen3's: the output is a thought only when it opens with `<think>`, or when the prompt left one open
    /// (Qwen3's later templates write `<think>` into the generation prompt) and `enable_thinking` is not false.
    case qwen3
    /// DeepSeek-R1's: the template writes `<think>` into the prompt, so the output starts inside the thought
    /// and only `</think>` appears; an opening tag the model writes anyway is dropped.
    case deepseekR1 = "deepseek_r1"
}
