extension SchedulerOutput {
    /// One request's share of a step: a prompt chunk, a whole prompt, a recompute, or one decode
    /// token, all alike.
    public struct ScheduledRequest: Sendable, Equatable {
        /// The request.
        public let requestID: RequestID
        /// The tokens to run, at positions `startPosition..<startPosition + tokenIDs.count`: a slice
        /// of one array that holds every row's tokens, so a step does not allocate an array per row.
        public let tokenIDs: ArraySlice<Int>
        /// The request's computed tokens before this step (cache hits included).
        public let startPosition: Int
        /// The request's whole block table after this step's allocation, in token order.
        public let blockIDs: [BlockID]
        /// Whether the step reaches the end of the request's tokens, so its last token's logits
        /// give the next token.
        public let samples: Bool
    }
}
