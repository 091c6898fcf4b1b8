extension StepCostModel {
    /// How long start-up calibration may run, in seconds, by default: small models do every
    /// probe well within it; on a large model on few cores the biggest prefill probe is left out.
    public static let defaultCalibrationBudget = 1.0

    /// Fits a model from a few real forward passes, each timed by `measure`, which runs the step
    /// it is given on the model (writing K/V into the blocks named there) and returns its seconds.
    ///
    /// The probes, within the runner's limits in `limits`: a 1-row decode, a batch of 16 decode
    /// rows and a 16-token prompt chunk (which together tell a step's fixed cost, a token's and a
    /// sampled row's apart, and always run), then chunks of 64 and 256 tokens and a decode row
    /// at the depth they reach (for the attention term). After one warm-up run, each probe runs
    /// once, cheapest first, if its cost predicted from those before it fits what is left of
    /// `timeBudget` seconds; then the probes run again, up to 3 times each, while runs fit, and
    /// each keeps its fastest time. Call it only while no request holds blocks: the probes write
    /// into the pool's first blocks, which nothing has handed out yet and whose garbage is never
    /// cached. Returns `nil` when nothing could be fitted (a pool or context too small).
    public static func calibrate(
        limits: SchedulerConfig, timeBudget: Double = defaultCalibrationBudget,
        measure: (SchedulerOutput) throws -> Double
    ) rethrows -> StepCostModel? {
        let probes = calibrationProbes(limits: limits)
        guard let first = probes.first else { return nil }
        // The warm-up (first touches of scratch and KV pages, threads waking) counts too.
        var spent = try measure(first)
        var fastest = [Double?](repeating: nil, count: probes.count)
        func samples() -> [Sample] {
            zip(probes, fastest).compactMap { probe, time in time.map { Sample(workload: probe.workload, time: $0) } }
        }
        for round in 0..<3 {
            for (index, probe) in probes.enumerated() {
                let estimate: Double
                if round == 0 {
                    estimate = fit(samples())?.uncorrectedTime(of: probe.workload) ?? spent
                    guard index < numAlwaysRunProbes || spent + estimate <= timeBudget else { continue }
                } else {
                    guard let time = fastest[index], spent + time <= timeBudget else { continue }
                }
                let time = try measure(probe)
                spent += time
                fastest[index] = min(fastest[index] ?? .infinity, time)
            }
        }
        return fit(samples())
    }

    /// The cheap probes that run whatever the budget, so that the fit can tell the terms apart.
    static let numAlwaysRunProbes = 3

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
        for chunk in [16, 64, 256] {
            let count = min(chunk, maxTokens, maxPosition - end)
            guard count > 1 else { break }
            probes.append(step([row(0, start: end, count: count)]))
            end += count
        }
        if end > 1 && end <= maxPosition { probes.append(step([row(0, start: end, count: 1)])) }
        return probes
    }
}
