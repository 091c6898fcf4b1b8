/// What one step asks of the model, in the quantities ``StepCostModel`` prices: tokens through
/// the weights, rows through the LM head and sampler, and positions read by attention.
public struct StepWorkload: Sendable, Equatable {
    /// Tokens run through the model (prefill chunks and decode tokens alike).
    public var numTokens = 0
    /// Rows whose logits are computed and sampled.
    public var numSampledRows = 0
    /// Over every token, the positions it attends to (its own included): a token at position `p`
    /// reads `p + 1`, so attention's cost grows with context depth.
    public var numAttendedPositions = 0

    /// An empty workload.
    public init() {}

    /// A workload with these totals.
    public init(numTokens: Int, numSampledRows: Int, numAttendedPositions: Int) {
        self.numTokens = numTokens
        self.numSampledRows = numSampledRows
        self.numAttendedPositions = numAttendedPositions
    }

    /// One request's share of a step: `numTokens` tokens from `startPosition`, sampling or not.
    public static func run(numTokens: Int, startPosition: Int, samples: Bool) -> StepWorkload {
        run(numTokens: numTokens, startPosition: startPosition, numSampledRows: samples ? 1 : 0)
    }

    /// One request's share of a step whose last `numSampledRows` tokens give logits (a decode
    /// with drafts samples after each draft).
    public static func run(numTokens: Int, startPosition: Int, numSampledRows: Int) -> StepWorkload {
        // Positions startPosition ..< startPosition + numTokens attend to p + 1 positions each.
        let attended = numTokens * startPosition + numTokens * (numTokens + 1) / 2
        return StepWorkload(numTokens: numTokens, numSampledRows: numSampledRows, numAttendedPositions: attended)
    }

    /// One decode token of a request that has computed `numComputedTokens` tokens.
    public static func decode(numComputedTokens: Int) -> StepWorkload {
        run(numTokens: 1, startPosition: numComputedTokens, samples: true)
    }

    /// Both workloads in one step.
    public static func + (lhs: StepWorkload, rhs: StepWorkload) -> StepWorkload {
        StepWorkload(numTokens: lhs.numTokens + rhs.numTokens, numSampledRows: lhs.numSampledRows + rhs.numSampledRows,
                     numAttendedPositions: lhs.numAttendedPositions + rhs.numAttendedPositions)
    }

    /// Adds `other` to this workload.
    public static func += (lhs: inout StepWorkload, rhs: StepWorkload) {
        lhs = lhs + rhs
    }
}
