import Testing
@testable import SluiceEngine

@Suite("Scheduler preemption by recompute")
struct SchedulerPreemptionTests {
    @Test("growing requests in a tiny pool preempt the newest; it resumes by recomputing prompt plus kept outputs, and all finish with max_tokens outputs")
    func preemptionKeepsOutputs() throws {
        // 6 usable blocks of 4 tokens; each request grows to 15 computed tokens (4 blocks).
        var scheduler = try makeScheduler(blockSize: 4, numBlocks: 7, prefixCaching: false)
        let ids: [RequestID] = ["a", "b", "c"]
        for (index, id) in ids.enumerated() {
            try scheduler.add(makeRequest(id, promptLength: 6, maxTokens: 10, tokenBase: index * 100))
        }
        var finished: [RequestID: Request] = [:]
        var tokensAtPreemption: [RequestID: [Int]] = [:]
        var recomputed: [RequestID: [Int]] = [:]
        var numResumes = 0
        for _ in 0..<500 where scheduler.hasUnfinishedRequests {
            let step = runStep(&scheduler)
            for id in step.output.preemptedRequestIDs {
                #expect(scheduler.request(id)?.status == .preempted)
                #expect(scheduler.waitingRequestIDs.first == id)
                tokensAtPreemption[id] = scheduler.request(id)?.allTokenIDs
                recomputed[id] = []
            }
            for row in step.output.scheduledRequests where tokensAtPreemption[row.requestID] != nil {
                recomputed[row.requestID, default: []] += row.tokenIDs
                if row.samples {
                    #expect(recomputed[row.requestID] == tokensAtPreemption[row.requestID])
                    tokensAtPreemption[row.requestID] = nil
                    numResumes += 1
                }
            }
            for request in step.finished { finished[request.requestID] = request }
        }
        #expect(scheduler.numPreemptions > 0)
        #expect(numResumes > 0)
        #expect(finished.values.map(\.numPreemptions).reduce(0, +) == scheduler.numPreemptions)
        for id in ids {
            let request = try #require(finished[id])
            #expect(request.status == .finished(.length))
            let expected = (0..<10).map { fakeToken(numTokens: 6 + $0) }
            #expect(Array(request.outputTokenIDs) == expected)
        }
        #expect(scheduler.kvCacheManager.numFreeBlocks == 6)
    }

    @Test("the newest running request is the one preempted, and a step that preempts admits nobody")
    func preemptsTheNewest() throws {
        // 4 usable blocks of 4 tokens: a and b each take 2, then both need a third.
        var scheduler = try makeScheduler(blockSize: 4, numBlocks: 5, prefixCaching: false)
        try scheduler.add(makeRequest("a", promptLength: 8, maxTokens: 8))
        try scheduler.add(makeRequest("b", promptLength: 8, maxTokens: 8, tokenBase: 100))
        #expect(runStep(&scheduler).output.scheduledRequests.map(\.requestID) == ["a", "b"])
        try scheduler.add(makeRequest("c", promptLength: 1, maxTokens: 1, tokenBase: 200))
        let output = runStep(&scheduler).output
        #expect(output.preemptedRequestIDs == ["b"])
        #expect(output.scheduledRequests.map(\.requestID) == ["a"])
        #expect(scheduler.waitingRequestIDs == ["b", "c"])
        #expect(scheduler.request("b")?.numComputedTokens == 0)
        #expect(scheduler.request("b")?.numOutputTokens == 1)
        #expect(scheduler.request("b")?.numPreemptions == 1)
    }

    @Test("a request that cannot grow while it is the newest running one preempts itself and is skipped")
    func preemptsItselfWhenLast() throws {
        // 4 usable blocks of 4 tokens: a's 11-token prompt takes 3, b's 4-token prompt the last.
        var scheduler = try makeScheduler(blockSize: 4, numBlocks: 5, prefixCaching: false)
        try scheduler.add(makeRequest("a", promptLength: 11, maxTokens: 5))
        try scheduler.add(makeRequest("b", promptLength: 4, maxTokens: 5, tokenBase: 100))
        #expect(runStep(&scheduler).output.scheduledRequests.map(\.requestID) == ["a", "b"])
        // a's next token fits its third block; b's needs a fifth block, and b is the newest.
        let output = runStep(&scheduler).output
        #expect(output.preemptedRequestIDs == ["b"])
        #expect(output.scheduledRequests.map(\.requestID) == ["a"])
        #expect(output.scheduledRequests.first?.startPosition == 11)
        #expect(scheduler.runningRequestIDs == ["a"])
        #expect(scheduler.waitingRequestIDs == ["b"])
        #expect(scheduler.kvCacheManager.numFreeBlocks == 1)
    }
}
