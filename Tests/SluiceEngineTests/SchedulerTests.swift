import Testing
@testable import SluiceEngine

/// A request whose prompt is `tokenBase..<tokenBase + promptLength`; distinct bases keep prompts
/// from sharing cached blocks.
func makeRequest(
    _ id: RequestID, promptLength: Int, maxTokens: Int = 16, tokenBase: Int = 0
) -> Request {
    Request(
        requestID: id, promptTokenIDs: Array(tokenBase..<tokenBase + promptLength),
        samplingParams: SamplingParams(maxTokens: maxTokens))
}

func makeScheduler(
    budget: Int = 2048, maxNumSeqs: Int = 256, maxModelLength: Int = 4096, blockSize: Int = 16,
    numBlocks: Int = 1000, prefixCaching: Bool = true, eosTokenIDs: Set<Int> = []
) throws -> Scheduler {
    try Scheduler(
        config: SchedulerConfig(
            maxNumBatchedTokens: budget, maxNumSeqs: maxNumSeqs, maxModelLength: maxModelLength,
            blockSize: blockSize, enablePrefixCaching: prefixCaching, numBlocks: numBlocks),
        eosTokenIDs: eosTokenIDs)
}

/// The deterministic fake sampler: it never returns an EOS id the tests use.
func fakeToken(numTokens: Int) -> Int {
    (numTokens * 7) % 1000
}

/// Schedules one step, samples every sampling row with `sample`, and applies the tokens.
@discardableResult
func runStep(
    _ scheduler: inout Scheduler, sample: (Request) -> Int = { fakeToken(numTokens: $0.numTokens) }
) -> (output: SchedulerOutput, finished: [Request]) {
    let output = scheduler.schedule()
    var sampled: [RequestID: Int] = [:]
    for row in output.scheduledRequests where row.samples {
        if let request = scheduler.request(row.requestID) { sampled[row.requestID] = sample(request) }
    }
    return (output, scheduler.update(output: output, sampledTokens: sampled))
}

@Suite("Scheduler")
struct SchedulerTests {
    @Test("a 200-token prompt under a 64-token budget runs 64, 64, 64, 8 tokens, samples only at the end, then decodes 1 token a step")
    func chunkedPrefillThenDecode() throws {
        var scheduler = try makeScheduler(budget: 64)
        try scheduler.add(makeRequest("a", promptLength: 200, maxTokens: 4))
        var counts: [Int] = []
        var samples: [Bool] = []
        var finished: [Request] = []
        while scheduler.hasUnfinishedRequests {
            let step = runStep(&scheduler)
            #expect(step.output.scheduledRequests.count == 1)
            counts.append(step.output.numScheduledTokens)
            samples.append(step.output.scheduledRequests[0].samples)
            finished += step.finished
        }
        #expect(counts == [64, 64, 64, 8, 1, 1, 1])
        #expect(samples == [false, false, false, true, true, true, true])
        #expect(finished.map(\.status) == [.finished(.length)])
        #expect(finished.first?.numOutputTokens == 4)
    }

    @Test("a running decode keeps its token while a new long prompt is chunked beside it")
    func runningRequestsGoFirst() throws {
        var scheduler = try makeScheduler(budget: 64)
        try scheduler.add(makeRequest("a", promptLength: 10, maxTokens: 10))
        runStep(&scheduler)
        try scheduler.add(makeRequest("b", promptLength: 200, tokenBase: 1000))
        let output = runStep(&scheduler).output
        let rows = output.scheduledRequests
        #expect(rows.map(\.requestID) == ["a", "b"])
        #expect(rows.map(\.tokenIDs.count) == [1, 63])
        #expect(rows.map(\.startPosition) == [10, 0])
        #expect(rows.map(\.samples) == [true, false])
    }

    @Test("maxNumSeqs caps the number of scheduled requests")
    func maxNumSeqsCapsTheBatch() throws {
        var scheduler = try makeScheduler(maxNumSeqs: 2)
        for index in 0..<4 {
            try scheduler.add(makeRequest(RequestID("r\(index)"), promptLength: 8, tokenBase: index * 100))
        }
        for _ in 0..<3 {
            let output = runStep(&scheduler).output
            #expect(output.scheduledRequests.map(\.requestID) == ["r0", "r1"])
        }
        #expect(scheduler.numRunning == 2)
        #expect(scheduler.waitingRequestIDs == ["r2", "r3"])
    }

    @Test("a waiting request that does not fit blocks the smaller ones behind it (FCFS)")
    func fcfsDoesNotSkip() throws {
        var scheduler = try makeScheduler(numBlocks: 11)
        try scheduler.add(makeRequest("a", promptLength: 64, maxTokens: 1))
        try scheduler.add(makeRequest("b", promptLength: 128, maxTokens: 1, tokenBase: 1000))
        try scheduler.add(makeRequest("c", promptLength: 16, maxTokens: 1, tokenBase: 2000))
        let output = scheduler.schedule()
        #expect(output.scheduledRequests.map(\.requestID) == ["a"])
        #expect(scheduler.waitingRequestIDs == ["b", "c"])
        #expect(scheduler.kvCacheManager.numFreeBlocks == 6)
    }

    @Test("a second request with the same 512-token prompt runs only its last 16 tokens")
    func prefixCacheHit() throws {
        var scheduler = try makeScheduler()
        try scheduler.add(makeRequest("a", promptLength: 512, maxTokens: 4))
        #expect(runStep(&scheduler).output.numScheduledTokens == 512)
        try scheduler.add(makeRequest("b", promptLength: 512, maxTokens: 4))
        let rows = runStep(&scheduler).output.scheduledRequests
        #expect(rows.map(\.requestID) == ["a", "b"])
        #expect(Array(rows[1].tokenIDs) == Array(496..<512))
        #expect(rows[1].startPosition == 496)
        #expect(rows[1].samples)
        #expect(scheduler.request("b")?.numCachedTokens == 496)
        #expect(scheduler.request("a")?.numCachedTokens == 0)
        #expect(scheduler.prefixCacheStats.hits == 496)
        #expect(rows[1].blockIDs.prefix(31) == rows[0].blockIDs.prefix(31))
    }

    @Test("EOS finishes with stop; max_tokens with length, even when the last allowed token is EOS")
    func stopReasons() throws {
        var scheduler = try makeScheduler(eosTokenIDs: [42])
        try scheduler.add(makeRequest("eos", promptLength: 5, maxTokens: 10))
        try scheduler.add(makeRequest("long", promptLength: 5, maxTokens: 3, tokenBase: 100))
        try scheduler.add(makeRequest("last", promptLength: 5, maxTokens: 2, tokenBase: 200))
        var finished: [RequestID: Request] = [:]
        while scheduler.hasUnfinishedRequests {
            let step = runStep(&scheduler) { request in
                switch request.requestID {
                case "eos": return request.numOutputTokens == 2 ? 42 : 7
                case "last": return request.numOutputTokens == 1 ? 42 : 7
                default: return 7
                }
            }
            for request in step.finished { finished[request.requestID] = request }
        }
        #expect(finished["eos"]?.status == .finished(.stop))
        #expect(finished["eos"]?.outputTokenIDs.elementsEqual([7, 7, 42]) == true)
        #expect(finished["long"]?.status == .finished(.length))
        #expect(finished["long"]?.numOutputTokens == 3)
        #expect(finished["last"]?.status == .finished(.length))
        #expect(scheduler.kvCacheManager.numFreeBlocks == 999)
    }
}
