import Testing
@testable import SluiceEngine

/// A request with a priority; prompts never share blocks.
func makeRequest(_ id: RequestID, promptLength: Int, maxTokens: Int = 16, tokenBase: Int = 0, priority: Int) -> Request {
    Request(requestID: id, promptTokenIDs: Array(tokenBase..<tokenBase + promptLength),
            samplingParams: SamplingParams(maxTokens: maxTokens), priority: priority)
}

@Suite("Scheduler policies: FCFS and priority")
struct SchedulerPriorityTests {
    func makeScheduler(policy: SchedulingPolicy, maxNumSeqs: Int = 256, blockSize: Int = 16,
                       numBlocks: Int = 1000) throws -> Scheduler {
        try Scheduler(config: SchedulerConfig(
            maxNumSeqs: maxNumSeqs, maxModelLength: 4096, blockSize: blockSize, enablePrefixCaching: false,
            numBlocks: numBlocks, schedulingPolicy: policy))
    }

    @Test("under priority, waiting requests are admitted by priority, lower first, then by arrival")
    func priorityOrder() throws {
        var scheduler = try makeScheduler(policy: .priority, maxNumSeqs: 1)
        let priorities: [(RequestID, Int)] = [("a", 5), ("b", 1), ("c", 1), ("d", 0), ("e", -3)]
        for (index, (id, priority)) in priorities.enumerated() {
            try scheduler.add(makeRequest(id, promptLength: 4, maxTokens: 1, tokenBase: index * 100, priority: priority))
        }
        #expect(scheduler.waitingRequestIDs == ["e", "d", "b", "c", "a"])
        var admitted: [RequestID] = []
        while scheduler.hasUnfinishedRequests {
            admitted += runStep(&scheduler).output.scheduledRequests.map(\.requestID)
        }
        #expect(admitted == ["e", "d", "b", "c", "a"])
    }

    @Test("under FCFS, requests are admitted in arrival order")
    func fcfsOrder() throws {
        var scheduler = try makeScheduler(policy: .fcfs, maxNumSeqs: 1)
        for (index, id) in (["a", "b", "c"] as [RequestID]).enumerated() {
            try scheduler.add(makeRequest(id, promptLength: 4, maxTokens: 1, tokenBase: index * 100))
        }
        var admitted: [RequestID] = []
        while scheduler.hasUnfinishedRequests {
            admitted += runStep(&scheduler).output.scheduledRequests.map(\.requestID)
        }
        #expect(admitted == ["a", "b", "c"])
    }

    /// a (priority `low`) is admitted first, b (priority 0) next; both then need a third block
    /// of the four in the pool, and a asks first.
    func preemptionVictim(policy: SchedulingPolicy) throws -> SchedulerOutput {
        var scheduler = try makeScheduler(policy: policy, blockSize: 4, numBlocks: 5)
        try scheduler.add(makeRequest("a", promptLength: 7, maxTokens: 8, priority: policy == .priority ? 5 : 0))
        runStep(&scheduler)
        try scheduler.add(makeRequest("b", promptLength: 7, maxTokens: 8, tokenBase: 100))
        runStep(&scheduler)
        return runStep(&scheduler).output
    }

    @Test("under FCFS the newest running request is preempted; under priority the highest priority value, even the one asking")
    func preemptionFollowsThePolicy() throws {
        let fcfs = try preemptionVictim(policy: .fcfs)
        #expect(fcfs.preemptedRequestIDs == ["b"])
        #expect(fcfs.scheduledRequests.map(\.requestID) == ["a"])
        let priority = try preemptionVictim(policy: .priority)
        #expect(priority.preemptedRequestIDs == ["a"])
        #expect(priority.scheduledRequests.map(\.requestID) == ["b"])
    }

    @Test("under priority, a preempted request waits at its priority's place, not at the front")
    func preemptedRequestKeepsItsPlace() throws {
        var scheduler = try makeScheduler(policy: .priority, blockSize: 4, numBlocks: 5)
        try scheduler.add(makeRequest("a", promptLength: 7, maxTokens: 8, priority: 5))
        runStep(&scheduler)
        try scheduler.add(makeRequest("b", promptLength: 7, maxTokens: 8, tokenBase: 100))
        runStep(&scheduler)
        try scheduler.add(makeRequest("c", promptLength: 4, maxTokens: 1, tokenBase: 200, priority: 1))
        let output = runStep(&scheduler).output
        #expect(output.preemptedRequestIDs == ["a"])
        #expect(scheduler.waitingRequestIDs == ["c", "a"])
    }
}
