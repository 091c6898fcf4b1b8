import SluiceCPU
import SluiceModel
import Testing
@testable import SluiceEngine

extension ModelTests {
@Suite("EngineCore step timing on the default model")
struct EngineCoreStepCostTests {
    func makeCore() throws -> EngineCore {
        let config = SchedulerConfig(maxNumBatchedTokens: 256, maxNumSeqs: 8, maxModelLength: 1024, numBlocks: 128,
                                     maxStepLatency: .fixed(seconds: 1))
        return try EngineCore(model: DefaultModelFixture.model, config: config, eosTokenIDs: [], backend: CPUBackend(threadCount: 2))
    }

    @Test("calibration on the real model gives a model that prices every term it measured at zero or more, and plans with it")
    func calibration() throws {
        let core = try makeCore()
        let model = try #require(try core.calibrateStepCost(timeBudget: 0.5))
        #expect(model.fixedTime >= 0 && model.timePerToken >= 0 && model.timePerSampledRow >= 0)
        #expect(model.timePerAttendedPosition >= 0)
        #expect(model.uncorrectedTime(of: .run(numTokens: 64, startPosition: 0, samples: true)) > 0)
        #expect(core.scheduler.costModel == model)
    }

    @Test("an injected cost model is used as is, and every step's measured time corrects it")
    func injectedModelIsCorrected() throws {
        let core = try makeCore()
        let injected = StepCostModel(fixedTime: 1e-6, timePerToken: 1e-9, timePerSampledRow: 1e-9, timePerAttendedPosition: 0)
        core.useStepCostModel(injected)
        try core.add(Request(requestID: "a", promptTokenIDs: Array(1...40), samplingParams: SamplingParams(maxTokens: 4)))
        var numSteps = 0
        while core.hasUnfinishedRequests {
            _ = try core.step()
            numSteps += 1
            let step = try #require(core.lastStep)
            #expect(step.predictedTime != nil && step.timeLimit == 1)
            #expect(step.time > 0)
        }
        #expect(core.numSteps == numSteps)
        let corrected = try #require(core.scheduler.costModel)
        #expect(corrected.numObservations == numSteps)
        // Real steps take far longer than a microsecond: the correction can only have grown.
        #expect(corrected.correction > 1)
    }
}
}
