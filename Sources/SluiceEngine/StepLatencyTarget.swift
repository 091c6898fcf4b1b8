/// How long the scheduler lets one step take (`--max-step-latency-ms`), so that a long prompt
/// cannot stall the streams that are decoding (ARCHITECTURE.md, decision 10).
///
/// The step's time is predicted by the scheduler's ``StepCostModel``; without one, only the
/// token budget applies.
public enum StepLatencyTarget: Sendable, Equatable {
    /// A step that runs decodes may take ``automaticDecodeFactor`` times its decodes alone, and
    /// never less than ``automaticFloor`` nor than its decodes plus ``automaticPromptTokens`` prompt
    /// tokens: running streams see an inter-token latency within about twice a pure decode step
    /// where prompt tokens are cheap beside the decodes, and a waiting prompt still advances by a
    /// useful chunk a step where they are not (a 1.5B on 2 cores: 16 decodes take about 115 ms and
    /// 64 prompt tokens 385, so twice the decodes alone left a new prompt some 18 tokens a step and
    /// its first token seconds away, with the step's fixed cost paid for little). A step without
    /// decodes keeps no stream waiting, so only the token budget bounds it (a smaller chunk would
    /// only add steps, each paying the fixed cost of reading the weights).
    case automatic
    /// Every step is planned to stay under this many seconds.
    case fixed(seconds: Double)
    /// No time budget: the token budget alone sizes steps.
    case off

    /// The shortest step ``automatic`` allows, in seconds: below it, per-step overhead would eat
    /// the prefill throughput of small batches.
    public static let automaticFloor = 0.05
    /// How many times a step's decodes alone ``automatic`` lets the step take.
    public static let automaticDecodeFactor = 2.0
    /// The prompt tokens ``automatic`` always leaves room for beside a step's decodes.
    public static let automaticPromptTokens = 64

    /// The target for `--max-step-latency-ms`: absent is ``automatic``, 0 is ``off``, anything
    /// else ``fixed(seconds:)``.
    public init(milliseconds: Double?) {
        guard let milliseconds else { self = .automatic; return }
        self = milliseconds == 0 ? .off : .fixed(seconds: milliseconds / 1000)
    }

    /// The time limit of a step whose decode rows alone are predicted to take
    /// `predictedDecodeTime` seconds (`nil` when it has none), and with ``automaticPromptTokens``
    /// prompt tokens beside them `predictedWithPromptTokens` (the decodes' time when not given), or
    /// `nil` when no limit applies.
    public func stepTimeLimit(predictedDecodeTime: Double?, predictedWithPromptTokens: Double? = nil) -> Double? {
        switch self {
        case .automatic:
            guard let predictedDecodeTime else { return nil }
            return max(Self.automaticFloor, Self.automaticDecodeFactor * predictedDecodeTime,
                       predictedWithPromptTokens ?? predictedDecodeTime)
        case .fixed(let seconds):
            return seconds
        case .off:
            return nil
        }
    }
}
