/// One request's edit of its logits before sampling, after vLLM v1's `LogitsProcessor`
/// (vllm/v1/sample/logits_processor/interface.py: `apply`, `update_state`, `is_argmax_invariant`) and
/// mlx-swift-lm's `LogitProcessor` (`prompt`, `process`, `didSample`).
///
/// Unlike vLLM's, which edit the whole batch, these are per request: each request's ``Sampler`` builds its
/// own list from its ``SamplingParams`` (``LogitBiasProcessor``, ``MinTokensProcessor``,
/// ``PenaltiesProcessor``, ``GrammarMaskProcessor``) and runs them in that order on its scratch copy of the row.
/// They run on the step thread only, one request at a time.
public protocol LogitsProcessor: Sendable {
    /// Whether ``apply(to:history:)`` never changes which token has the largest logit, so a greedy row may
    /// skip it (vLLM's `is_argmax_invariant`).
    var isArgmaxInvariant: Bool { get }
    /// Whether ``apply(to:history:)`` would change anything at this point of the request; when no processor
    /// would, the sampler reads the raw row without copying it.
    func isActive(_ history: TokenHistory) -> Bool
    /// Edits one row of logits [vocabularySize] in place.
    mutating func apply(to logits: UnsafeMutableBufferPointer<Float>, history: TokenHistory)
    /// Learns the token sampled from the edited row: called once per sampled token, never again for it.
    mutating func accept(_ tokenID: Int)
    /// Whether the request must stop now because the processor's constraint is complete (a grammar that
    /// nothing more can extend, or one that could not go on).
    var isFinished: Bool { get }
}

extension LogitsProcessor {
    public var isArgmaxInvariant: Bool { false }
    public mutating func accept(_ tokenID: Int) {}
    public var isFinished: Bool { false }
}
