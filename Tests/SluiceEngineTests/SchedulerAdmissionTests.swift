import Testing
@testable import SluiceEngine

@Suite("Scheduler admission and abort")
struct SchedulerAdmissionTests {
    @Test("a duplicate id and a bad config are refused; checking requests is the validator's, not the scheduler's")
    func refusesInvalidInput() throws {
        var scheduler = try makeScheduler()
        try scheduler.add(makeRequest("a", promptLength: 4))
        #expect(throws: SchedulerError.duplicateRequestID("a")) {
            try scheduler.add(makeRequest("a", promptLength: 4))
        }
        #expect(throws: SchedulerError.self) { try makeScheduler(budget: 0) }
        #expect(throws: SchedulerError.self) { try makeScheduler(numBlocks: 1) }
    }

    @Test("aborting waiting and running requests frees their blocks and reports them in the next step")
    func abortFreesThePool() throws {
        var scheduler = try makeScheduler(maxNumSeqs: 2, blockSize: 4, numBlocks: 9)
        try scheduler.add(makeRequest("a", promptLength: 6, maxTokens: 8))
        try scheduler.add(makeRequest("b", promptLength: 6, maxTokens: 8, tokenBase: 100))
        try scheduler.add(makeRequest("c", promptLength: 6, maxTokens: 8, tokenBase: 200))
        runStep(&scheduler)
        #expect(scheduler.runningRequestIDs == ["a", "b"])
        #expect(scheduler.abort("b")?.status == .finished(.abort))
        #expect(scheduler.abort("c")?.status == .finished(.abort))
        #expect(scheduler.abort("c") == nil)
        let output = runStep(&scheduler).output
        #expect(output.finishedRequestIDs == ["b", "c"])
        #expect(output.scheduledRequests.map(\.requestID) == ["a"])
        #expect(scheduler.abort("a") != nil)
        #expect(!scheduler.hasUnfinishedRequests)
        #expect(scheduler.kvCacheManager.numFreeBlocks == 8)
        #expect(scheduler.kvCacheUsage == 0)
    }

    @Test("a request aborted between schedule and update is ignored by update")
    func abortBetweenScheduleAndUpdate() throws {
        var scheduler = try makeScheduler()
        try scheduler.add(makeRequest("a", promptLength: 6))
        let output = scheduler.schedule()
        scheduler.abort("a")
        #expect(scheduler.update(output: output, sampledTokens: ["a": 3]).isEmpty)
        #expect(scheduler.kvCacheManager.numFreeBlocks == 999)
    }

    @Test("aborting requests that share cached blocks, one still waiting after its cache lookup, frees the whole pool")
    func abortAfterCacheLookup() throws {
        // 4 usable blocks of 4 tokens: a takes 3, b shares a's first 2 and takes the last;
        // c looks up the same 2 hits but finds no block for its tail, so it waits.
        var scheduler = try makeScheduler(blockSize: 4, numBlocks: 5)
        for id: RequestID in ["a", "b", "c"] {
            try scheduler.add(makeRequest(id, promptLength: 12, maxTokens: 2))
        }
        let output = runStep(&scheduler).output
        #expect(output.scheduledRequests.map(\.requestID) == ["a", "b"])
        #expect(scheduler.request("b")?.numCachedTokens == 8)
        #expect(scheduler.waitingRequestIDs == ["c"])
        // c looked the cache up, but only admissions count in the scheduler's stats.
        #expect(scheduler.kvCacheManager.prefixCacheStats.requests >= 3)
        #expect(scheduler.prefixCacheStats == PrefixCacheStats(requests: 2, queries: 24, hits: 8))
        for id: RequestID in ["c", "a", "b"] { scheduler.abort(id) }
        #expect(scheduler.kvCacheManager.numFreeBlocks == 4)
    }

    @Test("arrival order counts submissions from 0")
    func arrivalOrder() throws {
        var scheduler = try makeScheduler()
        try scheduler.add(makeRequest("a", promptLength: 3))
        try scheduler.add(makeRequest("b", promptLength: 3))
        #expect(scheduler.request("a")?.arrivalIndex == 0)
        #expect(scheduler.request("b")?.arrivalIndex == 1)
        #expect(scheduler.request("b")?.status == .waiting)
        #expect(scheduler.request("b")?.numCachedTokens == nil)
    }
}
