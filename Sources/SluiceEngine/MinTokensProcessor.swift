/// vLLM's `min_tokens`: the stop tokens (EOS and `stop_token_ids`) are impossible until the request has
/// generated that many tokens. Which tokens and until when is the request's ``StopChecker``'s to say: this
/// keeps no list of its own.
public struct MinTokensProcessor: LogitsProcessor {
    let stops: StopChecker

    public init(stops: StopChecker) {
        self.stops = stops
    }

    public func isActive(_ history: TokenHistory) -> Bool {
        stops.bansStopTokens(numOutputTokens: history.outputTokenIDs.count)
    }

    public func apply(to logits: UnsafeMutableBufferPointer<Float>, history: TokenHistory) {
        guard isActive(history) else { return }
        for token in stops.minTokensBannedIDs where logits.indices.contains(token) { logits[token] = -.infinity }
    }
}
