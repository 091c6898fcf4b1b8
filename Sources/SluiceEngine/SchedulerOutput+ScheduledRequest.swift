extension SchedulerOutput {
    /// One request's share of a step: a prompt chunk, a whole prompt, a recompute, or one decode
    /// token, all alike.
    public struct ScheduledRequest: Sendable, Equatable {
        /// The request.
        public let requestID: RequestID
        /// The tokens to run, at positions `startPosition..<startPosition + tokenIDs.count`: a slice
        /// of one array that holds every row's tokens, so a step does not allocate an array per row.
        /// A speculative row ends with its ``numSpecTokens`` draft tokens.
        public let tokenIDs: ArraySlice<Int>
        /// The request's computed tokens before this step (cache hits included).
        public let startPosition: Int
        /// The request's block tables after this step's allocation, one per KV-cache group, in token
        /// order (a sliding-window group's blocks before its window are the null block).
        public let blockTables: [[BlockID]]
        /// Whether the step reaches the end of the request's tokens, so its last token's logits
        /// give the next token.
        public let samples: Bool
        /// How many of the row's last tokens are drafts to verify: the step samples a token after
        /// each of them as well as after the token before them.
        public var numSpecTokens = 0
        /// Whether every token of the row gives logits: a prompt chunk of a request that asked for
        /// prompt log-probabilities (the last row samples when ``samples`` is set).
        public var logitsForAllTokens = false

        /// How many logit rows the row asks for.
        public var numSampledRows: Int { logitsForAllTokens ? tokenIDs.count : samples ? 1 + numSpecTokens : 0 }

        /// The block table of the first KV-cache group (the only one, for most models).
        public var blockIDs: [BlockID] { blockTables[0] }

        /// The draft tokens the row verifies.
        public var specTokenIDs: ArraySlice<Int> { tokenIDs.suffix(numSpecTokens) }
    }
}
