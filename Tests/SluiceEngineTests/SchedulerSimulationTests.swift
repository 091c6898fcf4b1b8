import Testing
@testable import SluiceEngine

@Suite("Scheduler randomized simulation")
struct SchedulerSimulationTests {
    static let budget = 32
    static let maxNumSeqs = 6
    static let numBlocks = 25
    static let blockSize = 4

    /// Checks the scheduler's invariants after a step.
    private func checkInvariants(_ scheduler: Scheduler, _ output: SchedulerOutput) {
        #expect(output.numScheduledTokens <= Self.budget)
        #expect(output.scheduledRequests.count <= Self.maxNumSeqs)
        #expect(scheduler.numRunning <= Self.maxNumSeqs)
        let running = Set(scheduler.runningRequestIDs)
        let waiting = Set(scheduler.waitingRequestIDs)
        #expect(running.count == scheduler.numRunning && waiting.count == scheduler.numWaiting)
        #expect(running.isDisjoint(with: waiting))
        for id in running {
            let request = scheduler.request(id)
            #expect(request?.status == .running)
            let numBlocks = scheduler.kvCacheManager.blockIDs(requestID: id).count
            #expect(numBlocks * Self.blockSize >= request?.numComputedTokens ?? .max)
        }
        for id in waiting {
            let status = scheduler.request(id)?.status
            #expect(status == .waiting || status == .preempted)
            #expect(scheduler.kvCacheManager.blockIDs(requestID: id).isEmpty)
        }
        for row in output.scheduledRequests {
            #expect(row.blockIDs.count * Self.blockSize >= row.startPosition + row.tokenIDs.count)
        }
    }

    /// How the simulated scheduler plans: by tokens, under a time target, or by priority.
    enum Mode: String, CaseIterable, CustomTestStringConvertible {
        case tokens, timeBudget, priority
        var testDescription: String { rawValue }
    }

    @Test("2,500 seeded steps of random arrivals, aborts and stops keep every invariant and end with the pool fully free",
          arguments: Mode.allCases)
    func randomizedSteps(mode: Mode) throws {
        var random = TestRandom(seed: 2024)
        var scheduler = try Scheduler(
            config: SchedulerConfig(
                maxNumBatchedTokens: Self.budget, maxNumSeqs: Self.maxNumSeqs, maxModelLength: 64,
                blockSize: Self.blockSize, numBlocks: Self.numBlocks,
                maxStepLatency: mode == .timeBudget ? .fixed(seconds: 0.0305) : .automatic,
                schedulingPolicy: mode == .priority ? .priority : .fcfs),
            eosTokenIDs: [0])
        if mode == .timeBudget { scheduler.costModel = makeCostModel() }
        // A few shared prefixes so that the prefix cache hits.
        let prefixes = (0..<3).map { _ in random.tokens(12, vocabularySize: 50) }
        var nextID = 0
        var numFinished = 0

        for stepIndex in 0..<2_600 {
            let arriving = stepIndex < 2_500
            if arriving && Int.random(in: 0..<10, using: &random) < 3 {
                let prefix = prefixes[Int.random(in: 0..<prefixes.count, using: &random)]
                let prompt = prefix.prefix(Int.random(in: 0...12, using: &random))
                    + random.tokens(Int.random(in: 1...18, using: &random), vocabularySize: 50)
                let request = Request(
                    requestID: RequestID("r\(nextID)"), promptTokenIDs: Array(prompt),
                    samplingParams: SamplingParams(maxTokens: Int.random(in: 1...20, using: &random)),
                    priority: mode == .priority ? Int.random(in: 0..<3, using: &random) : 0)
                nextID += 1
                try scheduler.add(request)
            }
            if arriving && Int.random(in: 0..<20, using: &random) == 0 && nextID > 0 {
                if scheduler.abort(RequestID("r\(Int.random(in: 0..<nextID, using: &random))")) != nil {
                    numFinished += 1
                }
            }

            let output = scheduler.schedule()
            checkInvariants(scheduler, output)
            if mode == .timeBudget, output.scheduledRequests.contains(where: { $0.tokenIDs.count > 1 }) {
                #expect(output.predictedStepTime! <= 0.0305)
            }
            if arriving && Int.random(in: 0..<50, using: &random) == 0,
               let row = output.scheduledRequests.randomElement(using: &random) {
                scheduler.abort(row.requestID)
                numFinished += 1
            }
            var sampled: [RequestID: Int] = [:]
            for row in output.scheduledRequests where row.samples {
                sampled[row.requestID] = Int.random(in: 0..<50, using: &random)
            }
            for request in scheduler.update(output: output, sampledTokens: sampled) {
                numFinished += 1
                #expect(request.numOutputTokens <= request.samplingParams.maxTokens)
                if request.status == .finished(.length) {
                    #expect(request.numOutputTokens == request.samplingParams.maxTokens)
                } else {
                    #expect(request.status == .finished(.stop) && request.outputTokenIDs.last == 0)
                }
            }
            if !arriving && !scheduler.hasUnfinishedRequests { break }
        }

        #expect(!scheduler.hasUnfinishedRequests)
        #expect(numFinished == nextID)
        #expect(scheduler.numPreemptions > 0)
        #expect(scheduler.prefixCacheStats.hits > 0)
        #expect(scheduler.kvCacheManager.numFreeBlocks == Self.numBlocks - 1)
    }
}
