import Testing
@testable import SluiceEngine

@Suite("Scheduler: groups take turns in the waiting queue")
struct SchedulerFairnessTests {
    func request(_ id: RequestID, group: String?, tokenBase: Int) -> Request {
        Request(requestID: id, promptTokenIDs: Array(tokenBase..<tokenBase + 6),
                samplingParams: SamplingParams(maxTokens: 4), group: group)
    }

    @Test("a batch's prompts take turns with requests that arrive after it, instead of all going first")
    func batchesInterleave() throws {
        var scheduler = try makeScheduler(maxNumSeqs: 1)
        for index in 0..<6 { try scheduler.add(request(RequestID("b\(index)"), group: "batch", tokenBase: 10 * index)) }
        try scheduler.add(request("solo", group: nil, tokenBase: 100))
        for index in 0..<3 { try scheduler.add(request(RequestID("o\(index)"), group: "other", tokenBase: 200 + 10 * index)) }
        // Turns: batch 0..5 from turn 0, solo turn 1, other 2..4; ties go to the earlier arrival.
        #expect(scheduler.waitingRequestIDs == ["b0", "b1", "solo", "b2", "o0", "b3", "o1", "b4", "o2", "b5"])
        // Admission follows the queue: with one sequence at a time, requests run in that order.
        var admitted: [RequestID] = []
        while scheduler.hasUnfinishedRequests {
            let output = runStep(&scheduler).output
            for row in output.scheduledRequests where !admitted.contains(row.requestID) { admitted.append(row.requestID) }
        }
        #expect(admitted == ["b0", "b1", "solo", "b2", "o0", "b3", "o1", "b4", "o2", "b5"])
        // Every group is forgotten once its last request finishes.
        #expect(scheduler.groups.isEmpty)
    }

    @Test("a group that returns after finishing starts a new turn; aborts leave the group too")
    func groupsEndAndRestart() throws {
        var scheduler = try makeScheduler(maxNumSeqs: 1)
        try scheduler.add(request("a0", group: "g", tokenBase: 0))
        try scheduler.add(request("a1", group: "g", tokenBase: 10))
        #expect(scheduler.groups["g"]?.live == 2)
        scheduler.abort("a0")
        scheduler.abort("a1")
        #expect(scheduler.groups.isEmpty)
        try scheduler.add(request("x", group: nil, tokenBase: 20))
        try scheduler.add(request("a2", group: "g", tokenBase: 30))
        try scheduler.add(request("a3", group: "g", tokenBase: 40))
        try scheduler.add(request("y", group: nil, tokenBase: 50))
        // g's new turn comes after x; y's after g's first.
        #expect(scheduler.waitingRequestIDs == ["x", "a2", "a3", "y"])
    }

    @Test("preempted requests stay at the front whatever their turn")
    func preemptedFirst() throws {
        var scheduler = try makeScheduler(maxNumSeqs: 4, blockSize: 4, numBlocks: 6)
        try scheduler.add(request("a", group: nil, tokenBase: 0))
        try scheduler.add(request("b", group: nil, tokenBase: 10))
        runStep(&scheduler)
        for index in 0..<3 { try scheduler.add(request(RequestID("c\(index)"), group: "c", tokenBase: 100 + 10 * index)) }
        // Decodes grow until one of a and b is preempted; it goes in front of the batch.
        while scheduler.numPreemptions == 0 && scheduler.hasUnfinishedRequests { runStep(&scheduler) }
        #expect(scheduler.numPreemptions > 0)
        let first = try #require(scheduler.waitingRequestIDs.first)
        #expect(first == "a" || first == "b")
    }
}
