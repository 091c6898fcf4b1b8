/// Speculative decoding's counters since start, as vLLM reports them
/// (`vllm:spec_decode_num_drafts`, `…_num_draft_tokens`, `…_num_accepted_tokens`,
/// `…_num_accepted_tokens_per_pos`).
public struct SpecDecodeStats: Sendable, Equatable {
    /// Rows that verified at least one draft token.
    public var numDrafts = 0
    /// Draft tokens verified.
    public var numDraftTokens = 0
    /// Draft tokens the target model agreed with.
    public var numAcceptedTokens = 0
    /// Accepted tokens by position in their draft: entry i counts drafts whose token i was kept.
    public var numAcceptedTokensPerPosition: [Int] = []

    public init() {}

    /// The fraction of draft tokens kept; 0 before any.
    public var acceptanceRate: Double {
        numDraftTokens == 0 ? 0 : Double(numAcceptedTokens) / Double(numDraftTokens)
    }

    /// Counts one row that verified `numDraftTokens` drafts and kept the first `numAccepted`.
    mutating func record(numDraftTokens: Int, numAccepted: Int) {
        guard numDraftTokens > 0 else { return }
        numDrafts += 1
        self.numDraftTokens += numDraftTokens
        numAcceptedTokens += numAccepted
        if numAcceptedTokensPerPosition.count < numDraftTokens {
            numAcceptedTokensPerPosition += Array(repeating: 0, count: numDraftTokens - numAcceptedTokensPerPosition.count)
        }
        for position in 0..<numAccepted { numAcceptedTokensPerPosition[position] += 1 }
    }
}
