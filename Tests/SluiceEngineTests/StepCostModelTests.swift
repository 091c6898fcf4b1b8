import Testing
@testable import SluiceEngine

@Suite("Step cost model")
struct StepCostModelTests {
    let model = StepCostModel(fixedTime: 0.02, timePerToken: 0.004, timePerSampledRow: 0.001, timePerAttendedPosition: 1e-6)

    @Test("a prompt chunk's workload counts its tokens, one row when it samples, and its triangle of attended positions")
    func workload() {
        let chunk = StepWorkload.run(numTokens: 4, startPosition: 10, samples: false)
        #expect(chunk == StepWorkload(numTokens: 4, numSampledRows: 0, numAttendedPositions: 11 + 12 + 13 + 14))
        #expect(StepWorkload.decode(numComputedTokens: 99) == StepWorkload(numTokens: 1, numSampledRows: 1, numAttendedPositions: 100))
    }

    @Test("the online correction moves predictions toward measured times, step after step")
    func correctionConverges() {
        var model = self.model
        let workload = StepWorkload.run(numTokens: 64, startPosition: 0, samples: true)
        let measured = 3 * model.uncorrectedTime(of: workload)
        var previousError = abs(model.predictedTime(of: workload) - measured)
        for _ in 0..<60 {
            model.observe(workload, measuredTime: measured)
            let error = abs(model.predictedTime(of: workload) - measured)
            #expect(error < previousError)
            previousError = error
        }
        #expect(abs(model.correction - 3) < 0.01)
        #expect(model.numObservations == 60)
    }

    @Test("one wild measurement moves the correction by a bounded step, and nonsense is ignored")
    func outliersAreBounded() {
        var model = self.model
        let workload = StepWorkload.decode(numComputedTokens: 10)
        model.observe(workload, measuredTime: 1000 * model.uncorrectedTime(of: workload))
        #expect(model.correction <= 1.25)
        model.observe(workload, measuredTime: 0)
        model.observe(workload, measuredTime: .infinity)
        #expect(model.numObservations == 1)
    }

    @Test("least squares recovers the coefficients from exact samples")
    func fitRecoversCoefficients() throws {
        let workloads = [
            StepWorkload.decode(numComputedTokens: 0),
            (0..<16).reduce(StepWorkload()) { sum, _ in sum + .decode(numComputedTokens: 0) },
            StepWorkload.run(numTokens: 64, startPosition: 0, samples: true),
            StepWorkload.run(numTokens: 256, startPosition: 64, samples: true),
            StepWorkload.decode(numComputedTokens: 320),
        ]
        let fitted = try #require(StepCostModel.fit(workloads.map { .init(workload: $0, time: model.uncorrectedTime(of: $0)) }))
        #expect(abs(fitted.fixedTime - 0.02) < 1e-9)
        #expect(abs(fitted.timePerToken - 0.004) < 1e-9)
        #expect(abs(fitted.timePerSampledRow - 0.001) < 1e-9)
        #expect(abs(fitted.timePerAttendedPosition - 1e-6) < 1e-12)
    }

    @Test("a term the samples cannot separate, or would make negative, is fitted as 0")
    func fitDropsUnknowableTerms() throws {
        // Only single rows at depth 0: tokens, rows and attended positions move together.
        let samples = [1, 1, 1].map { _ in StepCostModel.Sample(workload: .decode(numComputedTokens: 0), time: 0.03) }
        let constant = try #require(StepCostModel.fit(samples))
        #expect(abs(constant.uncorrectedTime(of: .decode(numComputedTokens: 0)) - 0.03) < 1e-12)
        #expect([constant.fixedTime, constant.timePerToken, constant.timePerSampledRow, constant.timePerAttendedPosition]
            .allSatisfy { $0 >= 0 })
        #expect(StepCostModel.fit([]) == nil)
    }

    @Test("calibration runs its probes within the runner's limits and recovers the machine's model")
    func calibrationRecoversTheModel() throws {
        let limits = SchedulerConfig(maxNumBatchedTokens: 512, maxNumSeqs: 64, maxModelLength: 2048, numBlocks: 100)
        var probes: [SchedulerOutput] = []
        let fitted = try #require(StepCostModel.calibrate(limits: limits, timeBudget: 100) { probe in
            probes.append(probe)
            return model.uncorrectedTime(of: probe.workload)
        })
        #expect(abs(fitted.timePerToken - 0.004) < 1e-9 && abs(fitted.fixedTime - 0.02) < 1e-9)
        for probe in probes {
            #expect(probe.numScheduledTokens <= 512 && probe.scheduledRequests.count <= 64)
            for row in probe.scheduledRequests {
                #expect(row.startPosition + row.tokenIDs.count <= 2048)
                #expect(row.blockIDs.count * 16 >= row.startPosition + row.tokenIDs.count)
                #expect(row.blockIDs.allSatisfy { $0 != .null && $0.rawValue < 100 })
            }
        }
        #expect(Set(probes.map(\.numScheduledTokens)) == [1, 16, 64, 256])
    }

    @Test("calibration leaves out a probe that would overrun its time budget")
    func calibrationKeepsToItsBudget() throws {
        let limits = SchedulerConfig(maxNumBatchedTokens: 512, maxNumSeqs: 64, maxModelLength: 2048, numBlocks: 100)
        var spent = 0.0
        var sizes: [Int] = []
        _ = StepCostModel.calibrate(limits: limits, timeBudget: 1.0) { probe in
            let time = model.uncorrectedTime(of: probe.workload)
            spent += time
            sizes.append(probe.numScheduledTokens)
            return time
        }
        // 256 tokens cost over a second on this machine; everything else fits.
        #expect(!sizes.contains(256))
        #expect(sizes.contains(64))
        // Only the first three probes' repeats may go past the budget (by their cost, twice each).
        let always = StepCostModel.calibrationProbes(limits: limits).prefix(StepCostModel.numAlwaysRunProbes)
            .reduce(0.0) { $0 + model.uncorrectedTime(of: $1.workload) }
        #expect(spent <= 1.0 + model.uncorrectedTime(of: .decode(numComputedTokens: 0)) + 2 * always)
    }

    /// A large model on few cores fits only the first probes in the budget, once each; a busy moment
    /// during one of them must not fix the step's price for good: those probes run three times whatever
    /// the budget, and each keeps its fastest run.
    @Test("calibration over budget still repeats the first probes, so one slow run does not misprice a step")
    func calibrationShrugsOffOneSlowRun() throws {
        let limits = SchedulerConfig(maxNumBatchedTokens: 512, maxNumSeqs: 64, maxModelLength: 2048, numBlocks: 100)
        var seen = Set<Int>()
        var runs: [Int: Int] = [:]
        let fitted = try #require(StepCostModel.calibrate(limits: limits, timeBudget: 0.05) { probe in
            let key = probe.numScheduledTokens * 1000 + probe.scheduledRequests.count
            runs[key, default: 0] += 1
            let time = model.uncorrectedTime(of: probe.workload)
            // The first run of each probe (after the warm-up) is three times slower than the machine.
            return seen.insert(key).inserted ? time : (runs[key] == 2 ? 3 * time : time)
        })
        #expect(runs.values.allSatisfy { $0 >= 3 }, "\(runs)")
        let clean = try #require(StepCostModel.calibrate(limits: limits, timeBudget: 0.05) { model.uncorrectedTime(of: $0.workload) })
        #expect(fitted == clean, "one slow run moved the fit: \(fitted) against \(clean)")
    }

    @Test("a calibration that prices an attended position above a 32nd of a token is capped, the other terms refitted")
    func attentionIsCapped() throws {
        let limits = SchedulerConfig(maxNumBatchedTokens: 512, maxNumSeqs: 64, maxModelLength: 2048, numBlocks: 100)
        let noisy = StepCostModel(fixedTime: 0.02, timePerToken: 0.004, timePerSampledRow: 0.001, timePerAttendedPosition: 0.001)
        let fitted = try #require(StepCostModel.calibrate(limits: limits, timeBudget: 100) { noisy.uncorrectedTime(of: $0.workload) })
        #expect(fitted.timePerAttendedPosition <= fitted.timePerToken * StepCostModel.maxAttentionShareOfToken + 1e-15)
        #expect(fitted.timePerAttendedPosition > 0 && fitted.timePerToken > 0)
    }

    @Test("--max-step-latency-ms: absent is automatic, 0 is off, anything else a fixed target in seconds")
    func latencyTargetFromFlag() {
        #expect(StepLatencyTarget(milliseconds: nil) == .automatic)
        #expect(StepLatencyTarget(milliseconds: 0) == .off)
        #expect(StepLatencyTarget(milliseconds: 250) == .fixed(seconds: 0.25))
        #expect(StepLatencyTarget.off.stepTimeLimit(predictedDecodeTime: 1) == nil)
        #expect(StepLatencyTarget.automatic.stepTimeLimit(predictedDecodeTime: nil) == nil)
        #expect(StepLatencyTarget.automatic.stepTimeLimit(predictedDecodeTime: 0.1) == 0.2)
        #expect(StepLatencyTarget.automatic.stepTimeLimit(predictedDecodeTime: 0.1, predictedWithPromptTokens: 0.15) == 0.2)
        #expect(StepLatencyTarget.automatic.stepTimeLimit(predictedDecodeTime: 0.1, predictedWithPromptTokens: 0.5) == 0.5)
        #expect(StepLatencyTarget.automatic.stepTimeLimit(predictedDecodeTime: nil, predictedWithPromptTokens: 0.5) == nil)
    }
}
