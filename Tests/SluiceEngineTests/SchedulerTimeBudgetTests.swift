import Testing
@testable import SluiceEngine

/// A cost model with round numbers: 10 ms a step (unless asked), 1 ms a token, 1 ms a sampled
/// row, no attention term unless asked, so a decode row costs 2 ms and a prompt token 1 ms.
/// Targets in the tests sit half a millisecond off any sum of these, so rounding never decides.
func makeCostModel(fixed: Double = 0.010, attention: Double = 0, perToken: Double = 0.001) -> StepCostModel {
    StepCostModel(fixedTime: fixed, timePerToken: perToken, timePerSampledRow: 0.001, timePerAttendedPosition: attention)
}

/// A scheduler that plans with `costModel` under `target`.
func makeTimedScheduler(
    target: StepLatencyTarget, costModel: StepCostModel = makeCostModel(), budget: Int = 2048,
    maxNumSeqs: Int = 256, policy: SchedulingPolicy = .fcfs
) throws -> Scheduler {
    var scheduler = try Scheduler(config: SchedulerConfig(
        maxNumBatchedTokens: budget, maxNumSeqs: maxNumSeqs, maxModelLength: 8192, numBlocks: 4000,
        maxStepLatency: target, schedulingPolicy: policy))
    scheduler.costModel = costModel
    return scheduler
}

/// Adds `count` short requests and steps until all of them decode.
func startDecodes(_ scheduler: inout Scheduler, count: Int, maxTokens: Int = 1000) throws {
    for index in 0..<count {
        try scheduler.add(makeRequest(RequestID("d\(index)"), promptLength: 4, maxTokens: maxTokens, tokenBase: index * 10))
    }
    while scheduler.runningRequestIDs.count < count || scheduler.numWaiting > 0 { runStep(&scheduler) }
    runStep(&scheduler)
}

@Suite("Scheduler time budget")
struct SchedulerTimeBudgetTests {
    @Test("while a long prompt is chunked, every decoding request gets its token in every step")
    func decodesAreNeverSkipped() throws {
        var scheduler = try makeTimedScheduler(target: .fixed(seconds: 0.1005))
        try startDecodes(&scheduler, count: 8)
        try scheduler.add(makeRequest("long", promptLength: 3000, tokenBase: 5000))
        var numPromptSteps = 0
        while scheduler.request("long")?.numOutputTokens == 0 {
            let output = runStep(&scheduler).output
            let decodes = output.scheduledRequests.filter { $0.requestID != "long" }
            #expect(Set(decodes.map(\.requestID)) == Set((0..<8).map { RequestID("d\($0)") }))
            #expect(decodes.allSatisfy { $0.tokenIDs.count == 1 && $0.samples })
            // Decodes come first in the batch, the prompt's chunk after them.
            #expect(output.scheduledRequests.last?.requestID == "long")
            numPromptSteps += 1
        }
        // 100.5 ms less 10 ms fixed and 8 × 2 ms of decodes leaves 74 prompt tokens a step.
        #expect(numPromptSteps == (3000 + 73) / 74)
    }

    @Test("every planned step stays under the fixed target, whatever mix of decodes and prompts arrives")
    func plannedCostStaysUnderTarget() throws {
        let model = makeCostModel(attention: 0.000_001)
        var scheduler = try makeTimedScheduler(target: .fixed(seconds: 0.08), costModel: model)
        var random = TestRandom(seed: 7)
        for stepIndex in 0..<400 {
            if stepIndex < 300 && Int.random(in: 0..<4, using: &random) == 0 {
                try scheduler.add(makeRequest(
                    RequestID("r\(stepIndex)"), promptLength: Int.random(in: 1...600, using: &random),
                    maxTokens: Int.random(in: 1...40, using: &random), tokenBase: stepIndex * 1000))
            }
            let output = runStep(&scheduler).output
            guard !output.isEmpty else { continue }
            let predicted = try #require(output.predictedStepTime)
            #expect(predicted == model.predictedTime(of: output.workload))
            #expect(output.stepTimeLimit == 0.08)
            #expect(predicted <= 0.08 + 1e-12)
        }
    }

    @Test("prompt chunks shrink when many requests decode and grow when few do")
    func chunksFollowTheDecodes() throws {
        func chunk(withDecodes count: Int) throws -> Int {
            var scheduler = try makeTimedScheduler(target: .fixed(seconds: 0.2005))
            try startDecodes(&scheduler, count: count)
            try scheduler.add(makeRequest("long", promptLength: 4000, tokenBase: 9000))
            let output = runStep(&scheduler).output
            return output.scheduledRequests.first { $0.requestID == "long" }?.tokenIDs.count ?? 0
        }
        let chunks = try [1, 10, 40, 80].map(chunk(withDecodes:))
        // 200.5 ms − 10 ms fixed − 2 ms a decode.
        #expect(chunks == [188, 170, 110, 30])
    }

    @Test("the context-depth term makes a deep chunk smaller than a shallow one")
    func deeperChunksAreSmaller() throws {
        var scheduler = try makeTimedScheduler(target: .fixed(seconds: 0.2005), costModel: makeCostModel(attention: 0.000_002))
        try scheduler.add(makeRequest("long", promptLength: 4000))
        let chunks = (0..<6).map { _ in runStep(&scheduler).output.numScheduledTokens }
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test("--max-num-batched-tokens stays a hard cap when the time budget would allow more")
    func tokenCapHolds() throws {
        let cheap = StepCostModel(fixedTime: 0.001, timePerToken: 1e-7, timePerSampledRow: 1e-7, timePerAttendedPosition: 0)
        var scheduler = try makeTimedScheduler(target: .fixed(seconds: 10), costModel: cheap, budget: 64, maxNumSeqs: 200)
        for index in 0..<100 {
            try scheduler.add(makeRequest(RequestID("r\(index)"), promptLength: 50, maxTokens: 5, tokenBase: index * 100))
        }
        while scheduler.hasUnfinishedRequests {
            #expect(runStep(&scheduler).output.numScheduledTokens <= 64)
        }
    }

    @Test("a target below the cost of any step still runs one prompt token a step when nothing else runs")
    func noLivelock() throws {
        var scheduler = try makeTimedScheduler(target: .fixed(seconds: 0.001))
        try scheduler.add(makeRequest("a", promptLength: 3, maxTokens: 2))
        var counts: [Int] = []
        while scheduler.hasUnfinishedRequests { counts.append(runStep(&scheduler).output.numScheduledTokens) }
        #expect(counts == [1, 1, 1, 1])
    }

    @Test("a fixed target below the decodes' own cost runs every decode and no prompt token")
    func decodesOverTheTargetStillRun() throws {
        // Ten decodes cost 30 ms; one prompt token more would be 31.
        var scheduler = try makeTimedScheduler(target: .fixed(seconds: 0.0305))
        try startDecodes(&scheduler, count: 10)
        try scheduler.add(makeRequest("late", promptLength: 10, tokenBase: 5000))
        let output = runStep(&scheduler).output
        #expect(output.scheduledRequests.count == 10)
        #expect(!output.scheduledRequests.contains { $0.requestID == "late" })
    }

    @Test("the automatic target bounds steps with decodes by max(50 ms, 2 × the decodes, the decodes + 64 prompt tokens) and leaves prompt-only steps to the token budget")
    func automaticTarget() throws {
        let model = makeCostModel(fixed: 0.0105)
        var scheduler = try makeTimedScheduler(target: .automatic, costModel: model, budget: 512)
        try scheduler.add(makeRequest("first", promptLength: 2000))
        let alone = runStep(&scheduler).output
        #expect(alone.stepTimeLimit == nil)
        #expect(alone.numScheduledTokens == 512)

        var few = try makeTimedScheduler(target: .automatic, costModel: model, budget: 512)
        try startDecodes(&few, count: 2)
        try few.add(makeRequest("long", promptLength: 2000, tokenBase: 5000))
        let floor = runStep(&few).output
        // Two decodes alone: 10.5 + 2 × 2 = 14.5 ms; twice that and the 50 ms floor are less than the decodes
        // with 64 prompt tokens, 14.5 + 64 = 78.5 ms, so the prompt gets its 64 tokens.
        let fewLimit = try #require(floor.stepTimeLimit)
        #expect(abs(fewLimit - 0.0785) < 1e-9)
        #expect(floor.numScheduledTokens == 2 + StepLatencyTarget.automaticPromptTokens)

        var one = try makeTimedScheduler(target: .automatic, costModel: makeCostModel(fixed: 0.0105, perToken: 0.00015),
                                         budget: 512)
        try startDecodes(&one, count: 1)
        try one.add(makeRequest("long", promptLength: 2000, tokenBase: 7000))
        let cheap = runStep(&one).output
        // Tokens cheap beside the step (0.15 ms each): the decode takes 11.65 ms, with 64 prompt tokens 21.25, so
        // the 50 ms floor applies, and the prompt gets what fits in it, 255 tokens.
        #expect(cheap.stepTimeLimit == StepLatencyTarget.automaticFloor)
        #expect(cheap.numScheduledTokens == 1 + 255)

        var many = try makeTimedScheduler(target: .automatic, costModel: model, budget: 512)
        try startDecodes(&many, count: 60)
        try many.add(makeRequest("long", promptLength: 2000, tokenBase: 9000))
        let doubled = runStep(&many).output
        // Sixty decodes alone: 10.5 + 60 × 2 = 130.5 ms; the step may take 261 ms (more than 130.5 + 64).
        let limit = try #require(doubled.stepTimeLimit)
        #expect(abs(limit - 0.261) < 1e-9)
        #expect(doubled.numScheduledTokens == 60 + 130)
    }

    @Test("the oldest running prompt gets the step's time before a new one is admitted")
    func oldestPromptFirst() throws {
        // One decode leaves 88.5 ms: the old prompt takes 88 tokens, nothing is left for the new one.
        var scheduler = try makeTimedScheduler(target: .fixed(seconds: 0.1005))
        try startDecodes(&scheduler, count: 1)
        try scheduler.add(makeRequest("old", promptLength: 500, tokenBase: 1000))
        runStep(&scheduler)
        try scheduler.add(makeRequest("new", promptLength: 500, tokenBase: 2000))
        let output = runStep(&scheduler).output
        #expect(output.scheduledRequests.map(\.requestID) == ["d0", "old"])
        #expect(scheduler.waitingRequestIDs == ["new"])
    }

    @Test("with the time budget off, or without a cost model, only tokens size the step")
    func offMeansTokensOnly() throws {
        var off = try makeTimedScheduler(target: .off, budget: 300)
        try off.add(makeRequest("a", promptLength: 1000))
        let output = runStep(&off).output
        #expect(output.numScheduledTokens == 300)
        #expect(output.stepTimeLimit == nil)

        var untimed = try makeScheduler(budget: 300)
        try untimed.add(makeRequest("a", promptLength: 1000))
        let plain = runStep(&untimed).output
        #expect(plain.numScheduledTokens == 300 && plain.predictedStepTime == nil)
    }
}
