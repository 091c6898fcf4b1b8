import Foundation

/// A linear model of one step's time, measured at start-up and corrected online from measured
/// steps (ARCHITECTURE.md, decision 10).
///
/// predicted = correction × (fixed + perToken × tokens + perSampledRow × rows
///                           + perAttendedPosition × attended positions)
///
/// On a CPU the fixed term is mostly reading the weights once per step, the per-token term the
/// GEMMs, the per-row term the LM head and the sampler, and the last term attention, which grows
/// with context depth. A decode row costs `perToken + perSampledRow + perAttendedPosition ×
/// (context + 1)`; a prefill chunk of n tokens costs n tokens and its triangle of positions.
/// ``calibrate(runner:limits:timeBudget:)`` fits the four coefficients from a few real forward
/// passes; ``observe(_:measuredTime:)`` keeps a moving average of measured / predicted, so that
/// a machine that is busier (or a model slower) than at start-up is planned for as it is now.
public struct StepCostModel: Sendable, Equatable, CustomStringConvertible {
    /// Seconds every step costs, whatever it runs.
    public var fixedTime: Double
    /// Seconds per token run through the model.
    public var timePerToken: Double
    /// Seconds per row whose logits are computed and sampled.
    public var timePerSampledRow: Double
    /// Seconds per attended position (see ``StepWorkload/numAttendedPositions``).
    public var timePerAttendedPosition: Double
    /// The online correction: an exponential moving average, in log space, of measured over
    /// uncorrected predicted time; 1 until a step is observed.
    public private(set) var correction = 1.0
    /// The weight of each new observation in ``correction``.
    public var smoothing = 0.1
    /// Steps observed since start.
    public private(set) var numObservations = 0

    /// A model with these coefficients, in seconds, and no correction yet.
    public init(fixedTime: Double, timePerToken: Double, timePerSampledRow: Double, timePerAttendedPosition: Double) {
        self.fixedTime = fixedTime
        self.timePerToken = timePerToken
        self.timePerSampledRow = timePerSampledRow
        self.timePerAttendedPosition = timePerAttendedPosition
    }

    /// The time the coefficients alone give, before the online correction.
    public func uncorrectedTime(of workload: StepWorkload) -> Double {
        fixedTime + timePerToken * Double(workload.numTokens) + timePerSampledRow * Double(workload.numSampledRows)
            + timePerAttendedPosition * Double(workload.numAttendedPositions)
    }

    /// The predicted time of a step with this workload, in seconds.
    public func predictedTime(of workload: StepWorkload) -> Double {
        correction * uncorrectedTime(of: workload)
    }

    /// The most a single observation may move the correction, as a ratio: one step stalled by a
    /// page fault or another process must not halve the next prefill chunks.
    static let maxObservedRatio = 8.0

    /// Moves ``correction`` toward `measuredTime` / the uncorrected prediction of `workload`.
    public mutating func observe(_ workload: StepWorkload, measuredTime: Double) {
        let uncorrected = uncorrectedTime(of: workload)
        guard uncorrected > 0, measuredTime > 0, measuredTime.isFinite else { return }
        let ratio = min(max(measuredTime / uncorrected, 1 / Self.maxObservedRatio), Self.maxObservedRatio)
        // An average of logs treats "twice as slow" and "twice as fast" alike.
        let logCorrection = (1 - smoothing) * log(correction) + smoothing * log(ratio)
        correction = exp(logCorrection)
        numObservations += 1
    }

    /// The coefficients in readable units, for the start-up log.
    public var description: String {
        String(format: "%.2f ms a step + %.3f ms a token + %.3f ms a sampled row + %.3f µs an attended position",
               fixedTime * 1e3, timePerToken * 1e3, timePerSampledRow * 1e3, timePerAttendedPosition * 1e6)
            + (numObservations > 0 ? String(format: ", corrected ×%.2f", correction) : "")
    }
}
