extension StepCostModel {
    /// How long start-up calibration may run, in seconds, by default: small models do every
    /// probe well within it; on a large model on few cores the biggest prefill probe is left out.
    public static let defaultCalibrationBudget = 1.0

    /// Fits a model from a few real forward passes, each timed by `measure`, which runs the step
    /// it is given on the model (writing K/V into the blocks named there) and returns its seconds.
    ///
    /// The probes, within the runner's limits in `limits` and while `timeBudget` seconds last: a
    /// 1-row decode, a batch of 16 decode rows, a 64-token prefill chunk, a 256-token chunk at
    /// depth 64 and a decode row after it, each the best of up to 3 runs after one untimed
    /// warm-up. A probe whose predicted cost would overrun the budget is skipped. Call it only
    /// while no request holds blocks: the probes write into the pool's first blocks, which nothing
    /// has handed out yet and whose garbage is never cached. Returns `nil` when nothing could be
    /// fitted (a pool or context too small for any probe).
    public static func calibrate(
        limits: SchedulerConfig, timeBudget: Double = defaultCalibrationBudget,
        measure: (SchedulerOutput) throws -> Double
    ) rethrows -> StepCostModel? {
        let probes = calibrationProbes(limits: limits)
        guard let first = probes.first else { return nil }
        _ = try measure(first)
        var samples: [Sample] = []
        var spent = 0.0
        for probe in probes {
            let workload = probe.workload
            let estimate = fit(samples)?.uncorrectedTime(of: workload) ?? samples.last?.time ?? 0
            let repeats = estimate > 0 ? min(3, Int((timeBudget - spent) / estimate)) : 3
            guard repeats >= 1 else { continue }
            var best = Double.infinity
            for _ in 0..<repeats {
                let time = try measure(probe)
                spent += time
                best = min(best, time)
            }
            samples.append(Sample(workload: workload, time: best))
        }
        return fit(samples)
    }

    /// The calibration steps that fit `limits`, cheapest first.
    static func calibrationProbes(limits: SchedulerConfig) -> [SchedulerOutput] {
        let blockSize = limits.blockSize
        let numUsableBlocks = limits.numBlocks - 1
        let maxTokens = limits.maxNumBatchedTokens
        // The most positions one sequence may reach: the context and the pool both bound it.
        let maxPosition = min(limits.maxModelLength, numUsableBlocks * blockSize) - 1
        guard maxPosition >= 0 else { return [] }
        func blocks(upTo position: Int) -> [BlockID] {
            (0...(position / blockSize)).map { BlockID($0 + 1) }
        }
        func row(_ index: Int, start: Int, count: Int, blockIDs: [BlockID]? = nil) -> SchedulerOutput.ScheduledRequest {
            SchedulerOutput.ScheduledRequest(
                requestID: RequestID("calibration-\(index)"), tokenIDs: Array(repeating: 0, count: count),
                startPosition: start, blockIDs: blockIDs ?? blocks(upTo: start + count - 1), samples: true)
        }
        func step(_ rows: [SchedulerOutput.ScheduledRequest]) -> SchedulerOutput {
            SchedulerOutput(scheduledRequests: rows, preemptedRequestIDs: [], finishedRequestIDs: [], blockSize: blockSize)
        }

        var probes = [step([row(0, start: 0, count: 1)])]
        let numDecodeRows = min(16, limits.maxNumSeqs, maxTokens, numUsableBlocks)
        if numDecodeRows > 1 {
            probes.append(step((0..<numDecodeRows).map {
                row($0, start: 0, count: 1, blockIDs: [BlockID($0 + 1)])
            }))
        }
        var end = 0
        for chunk in [64, 256] {
            let count = min(chunk, maxTokens, maxPosition - end)
            guard count > 1 else { break }
            probes.append(step([row(0, start: end, count: count)]))
            end += count
        }
        if end > 1 && end <= maxPosition { probes.append(step([row(0, start: end, count: 1)])) }
        return probes
    }
}
