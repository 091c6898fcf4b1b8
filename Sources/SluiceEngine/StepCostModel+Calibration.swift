extension StepCostModel {
    /// How long start-up calibration may run, in seconds, by default: small models do every
    /// probe well within it; on a large model on few cores the biggest prefill probe is left out
    /// (the three cheap probes still run three times each, which on the 1.5B on 2 cores is about
    /// a second more).
    public static let defaultCalibrationBudget = 1.0

    /// Fits a model from a few real forward passes, each timed by `measure`, which runs the step
    /// it is given on the model (writing K/V into the blocks named there) and returns its seconds.
    ///
    /// The probes, within the runner's limits in `limits`: a 1-row decode, a batch of 16 decode
    /// rows and a 16-token prompt chunk (which together tell a step's fixed cost, a token's and a
    /// sampled row's apart, and always run); the same 16-token chunk at depth 1024 (its extra
    /// time is attention); then chunks of 64 and 256 tokens. After one warm-up run, each probe
    /// runs once, cheapest first, if its cost predicted from those before it fits what is left
    /// of `timeBudget` seconds; then the probes run again, up to 3 times each (the first three
    /// always, the others while runs fit), and each keeps its fastest time. The attention term is capped at
    /// ``maxAttentionShareOfToken`` of a token. Call it only while no request holds blocks: the
    /// probes write into the pool's first blocks, which nothing has handed out yet and whose
    /// garbage is never cached. Returns `nil` when nothing could be fitted (a pool or context
    /// too small).
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
                    // The always-run probes repeat whatever the budget: the fit splits a step's time into
                    // its terms from their differences, so one slow run (a busy moment) would misprice a
                    // step's fixed cost for good (78 ms instead of 21 on the 1.5B, seen in serving).
                    guard let time = fastest[index], index < numAlwaysRunProbes || spent + time <= timeBudget else { continue }
                }
                let time = try measure(probe)
                spent += time
                fastest[index] = min(fastest[index] ?? .infinity, time)
            }
        }
        return capAttention(fit(samples()), samples: samples())
    }

    /// The cheap probes that run whatever the budget, so that the fit can tell the terms apart.
    static let numAlwaysRunProbes = 3

    /// The most one attended position may cost, as a share of one token through the weights.
    ///
    /// Attention reads `4 × layers × width` FLOPs a position where the weights take about
    /// `24 × layers × width²` a token, so a position costs about `1 / (6 × width)` of a token, under
    /// 1/3000 for any real model; even a kernel 30 times less efficient than the GEMM stays under
    /// 1/32. A fit above it is timing noise (a busy machine during a probe), which would price
    /// deep prompt chunks as if every position were a token.
    public static let maxAttentionShareOfToken = 1.0 / 32

    /// `model` with its attention term at most ``maxAttentionShareOfToken`` of a token, the other
    /// terms refitted to `samples` with the capped term taken out of their times.
    static func capAttention(_ model: StepCostModel?, samples: [Sample]) -> StepCostModel? {
        guard let model else { return nil }
        let cap = model.timePerToken * maxAttentionShareOfToken
        guard model.timePerAttendedPosition > cap else { return model }
        let withoutAttention = samples.map { sample in
            var workload = sample.workload
            let attention = cap * Double(workload.numAttendedPositions)
            workload.numAttendedPositions = 0
            return Sample(workload: workload, time: max(0, sample.time - attention))
        }
        guard var refitted = fit(withoutAttention) else { return model }
        refitted.timePerAttendedPosition = min(cap, refitted.timePerToken * maxAttentionShareOfToken)
        return refitted
    }

    /// The calibration steps that fit `limits`, cheapest first.
    static func calibrationProbes(limits: SchedulerConfig) -> [SchedulerOutput] {
        let capacity = limits.kvCapacity
        let blockSize = capacity.blockSize
        let numUsableBlocks = capacity.numUsableBlocks
        let maxTokens = limits.maxNumBatchedTokens
        // The most positions one sequence may reach: the context and the pool both bound it.
        let maxPosition = min(limits.maxModelLength, capacity.numUsableSlots) - 1
        guard maxPosition >= 0 else { return [] }
        func blocks(upTo position: Int) -> [BlockID] {
            (0...(position / blockSize)).map { BlockID($0 + 1) }
        }
        // Every KV-cache group on the same blocks: the probes' K and V are only timed, never read back
        // by a request, so groups sharing a block's memory changes nothing.
        let numGroups = limits.kvCacheGroupWindows.count
        func row(_ index: Int, start: Int, count: Int, blockIDs: [BlockID]? = nil) -> SchedulerOutput.ScheduledRequest {
            let table = blockIDs ?? blocks(upTo: start + count - 1)
            return SchedulerOutput.ScheduledRequest(
                requestID: RequestID("calibration-\(index)"), tokenIDs: Array(repeating: 0, count: count)[...],
                startPosition: start, blockTables: [[BlockID]](repeating: table, count: numGroups), samples: true)
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
        // A 16-token chunk at depth 0, the same at depth (attention alone differs), then larger
        // chunks after the first.
        let chunk = min(16, maxTokens)
        if chunk > 1 && chunk <= maxPosition {
            probes.append(step([row(0, start: 0, count: chunk)]))
            let depth = min(1024, maxPosition + 1 - chunk)
            if depth >= 4 * chunk { probes.append(step([row(0, start: depth, count: chunk)])) }
            var end = chunk
            for size in [64, 256] {
                let count = min(size, maxTokens, maxPosition + 1 - end)
                guard count > chunk else { break }
                probes.append(step([row(0, start: end, count: count)]))
                end += count
            }
        }
        return probes
    }
}
