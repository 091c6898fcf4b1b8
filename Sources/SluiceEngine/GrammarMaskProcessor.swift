import SluiceGrammar

/// Structured output as a logits processor: every token the request's grammar does not allow next gets
/// -inf, end tokens included until the grammar can finish; each sampled token advances the grammar, and the
/// request finishes once nothing more can follow (vLLM v1's grammar bitmask, applied per request).
///
/// The mask for the next step is computed as soon as a token is accepted (and the first one when the
/// processor is made), so that "nothing but an end token can follow" is known before the next forward pass
/// and the request stops without spending one on an end token. A request preempted by recompute keeps its
/// processor: its generated tokens are kept too, so the matcher already stands after them, and it is only
/// asked to accept the tokens sampled after the request catches up.
public struct GrammarMaskProcessor: LogitsProcessor, @unchecked Sendable {
    // @unchecked: `matcher` is a class without locks. A processor is made for one child request on the step
    // thread (``EngineCore`` adds it there) and only that thread ever calls it; it is never shared.
    private let matcher: GrammarMatcher
    /// The tokens allowed at the next step, always current.
    private var mask: TokenBitmask
    /// The grammar is complete and only end tokens could follow, or it cannot go on (a token it
    /// refused, which only an all -inf row can give, or a work limit reached while matching).
    public private(set) var isFinished = false

    /// A processor at the start of `structuredOutput`'s grammar; throws when even its first mask hits a limit.
    public init(_ structuredOutput: StructuredOutput) throws {
        matcher = try structuredOutput.makeMatcher()
        mask = TokenBitmask(size: structuredOutput.vocabulary.size)
        try refresh()
    }

    /// Always: even a finished grammar allows only end tokens.
    public func isActive(_ history: TokenHistory) -> Bool { true }

    public func apply(to logits: UnsafeMutableBufferPointer<Float>, history: TokenHistory) {
        guard let base = logits.baseAddress else { return }
        let count = logits.count
        mask.words.withUnsafeBufferPointer { words in
            for w in words.indices {
                let start = w &<< 6
                guard start < count else { return }
                let word = words[w]
                if word == .max { continue }
                if word == 0 {
                    // Most words of a constrained step are all banned: fill them whole.
                    (base + start).update(repeating: -.infinity, count: min(64, count - start))
                    continue
                }
                var banned = ~word
                while banned != 0 {
                    let token = start | banned.trailingZeroBitCount
                    if token < count { base[token] = -.infinity }
                    banned &= banned &- 1
                }
            }
        }
        // Rows wider than the tokenizer's vocabulary (padded embeddings): those ids are no tokens at all.
        let covered = mask.words.count &<< 6
        if covered < count { (base + covered).update(repeating: -.infinity, count: count - covered) }
    }

    public mutating func accept(_ tokenID: Int) {
        guard !isFinished else { return }
        do {
            guard try matcher.accept(tokenID), !matcher.isTerminated else {
                isFinished = true
                return
            }
            try refresh()
        } catch {
            isFinished = true
        }
    }

    /// Computes the next mask, and whether anything but an end token may come next.
    private mutating func refresh() throws {
        try matcher.computeMask(into: &mask)
        var allowedEnds = 0
        for token in matcher.vocabulary.endTokenIDs where mask.isAllowed(token) { allowedEnds += 1 }
        if mask.allowedCount == allowedEnds { isFinished = true }
    }
}
