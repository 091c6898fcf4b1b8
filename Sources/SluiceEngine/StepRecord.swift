/// One step as it ran, for metrics: its measured time next to what the scheduler planned.
public struct StepRecord: Sendable, Equatable {
    /// Seconds from the start of the forward pass to the last row sampled.
    public var time: Double
    /// The scheduler's prediction for the step, in seconds; `nil` without a cost model.
    public var predictedTime: Double?
    /// The time limit the step was planned under, in seconds; `nil` when only tokens bounded it.
    public var timeLimit: Double?
    /// Tokens the step ran, over all requests.
    public var numTokens: Int
    /// Rows that ran a single sampling token (the decodes).
    public var numDecodeRows: Int

    /// A record of a step.
    public init(time: Double, predictedTime: Double?, timeLimit: Double?, numTokens: Int, numDecodeRows: Int) {
        self.time = time
        self.predictedTime = predictedTime
        self.timeLimit = timeLimit
        self.numTokens = numTokens
        self.numDecodeRows = numDecodeRows
    }
}
