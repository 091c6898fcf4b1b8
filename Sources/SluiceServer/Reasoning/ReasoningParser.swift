/// Splits a completion into the model's thought (`message.reasoning_content`) and its answer (`content`),
/// as vLLM's `Qwen3ReasoningParser` and `DeepSeekR1ReasoningParser` do for `<think>…</think>`.
///
/// The opening tag counts only where the output opens with it (after whitespace): text before it is the
/// answer, never dropped, so a stream can send it at once. The thought runs to the first `</think>`; without
/// one (the output was cut off) the whole output is the thought, as in vLLM. Tags are matched on Unicode
/// scalars, never on grapheme clusters, so that `ReasoningStreamer` finds them wherever the text is cut.
struct ReasoningParser: Sendable, Equatable {
    static let openTag = "<think>"
    static let closeTag = "</think>"

    /// Whether the output starts inside a thought even without an opening tag.
    let startsInThought: Bool
    /// Whether an output that starts outside a thought may open one itself (Qwen3 thinking, with a prompt
    /// that neither leaves a thought open nor ends with a closed one).
    let mayOpenThought: Bool

    init(startsInThought: Bool, mayOpenThought: Bool = false) {
        self.startsInThought = startsInThought
        self.mayOpenThought = mayOpenThought
    }

    /// The parser for one request: `kind`'s rule, the rendered prompt (whose last `<think>` may be left open
    /// for the model to continue) and `enable_thinking` from `chat_template_kwargs`.
    init(kind: ReasoningParserKind, promptText: String, thinkingEnabled: Bool) {
        switch kind {
        case .deepseekR1:
            startsInThought = true
            mayOpenThought = false
        case .qwen3:
            startsInThought = thinkingEnabled && Self.leavesThoughtOpen(promptText)
            mayOpenThought = thinkingEnabled && !startsInThought && !Self.endsWithClosedThought(promptText)
        }
    }

    /// Whether `prompt` ends with a closed thought (then whitespace): the template answered for the model
    /// that it will not think (Qwen3's `enable_thinking: false` writes an empty one).
    static func endsWithClosedThought(_ prompt: String) -> Bool {
        prompt.unicodeScalars.reversed().drop { $0.properties.isWhitespace }.starts(with: closeTag.unicodeScalars.reversed())
    }

    /// Whether `prompt` ends inside a thought: a `<think>` after which no `</think>` follows.
    static func leavesThoughtOpen(_ prompt: String) -> Bool {
        let scalars = prompt.unicodeScalars
        guard let open = scalars.ranges(of: openTag.unicodeScalars).last else { return false }
        return scalars[open.upperBound...].firstRange(of: closeTag.unicodeScalars) == nil
    }

    /// The thought and the answer in `text`, a whole completion.
    func parse(_ text: String) -> ParsedReasoning {
        let scalars = Substring(text).unicodeScalars
        var rest = scalars[...]
        if let afterTag = Self.afterOpeningTag(scalars) {
            rest = afterTag
        } else if !startsInThought {
            return ParsedReasoning(reasoning: nil, content: text.isEmpty ? nil : text)
        }
        guard let close = rest.firstRange(of: Self.closeTag.unicodeScalars) else {
            return ParsedReasoning(reasoning: Self.nonEmpty(rest), content: nil)
        }
        return ParsedReasoning(reasoning: Self.nonEmpty(rest[..<close.lowerBound]),
                               content: Self.nonEmpty(rest[close.upperBound...]))
    }

    /// What follows `<think>` when `scalars` opens with it after whitespace; nil otherwise.
    static func afterOpeningTag(_ scalars: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView? {
        let start = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
        let tag = openTag.unicodeScalars
        guard scalars[start...].starts(with: tag) else { return nil }
        return scalars[scalars.index(start, offsetBy: tag.count)...]
    }

    private static func nonEmpty(_ scalars: Substring.UnicodeScalarView) -> String? {
        scalars.isEmpty ? nil : String(Substring(scalars))
    }
}
