import Testing
@testable import SluiceEngine

@Suite("Parent request: n > 1 fans out and back in in one place")
struct ParentRequestTests {
    static func makeParent(n: Int, seed: UInt64? = 40) throws -> ParentRequest {
        var params = SamplingParams(temperature: 1, seed: seed, maxTokens: 4)
        params.n = n
        let validator = RequestValidator(vocabularySize: 100, config: SchedulerConfig(maxModelLength: 64, numBlocks: 20))
        return ParentRequest(try validator.validate(requestID: "p", promptTokenIDs: [1, 2, 3], params: params))
    }

    @Test("n children with their own ids, one completion each, seeds seed + index, the same prompt and priority")
    func fanOut() throws {
        let parent = try Self.makeParent(n: 3)
        let children = parent.makeChildren()
        #expect(children.map(\.requestID) == ["p#0", "p#1", "p#2"])
        #expect(children.map(\.samplingParams.n) == [1, 1, 1])
        #expect(children.map(\.samplingParams.seed) == [40, 41, 42])
        #expect(children.allSatisfy { Array($0.promptTokenIDs) == [1, 2, 3] })
        #expect(try Self.makeParent(n: 1).childIDs == ["p"])
        #expect(try Self.makeParent(n: 2, seed: nil).makeChildren().map(\.samplingParams.seed) == [nil, nil])
    }

    @Test("the parent is done when its last child finishes, whatever the order, and a second mark changes nothing")
    func fanIn() throws {
        var parent = try Self.makeParent(n: 3)
        var done: [Bool] = []
        for index in [1, 1] { done.append(parent.finishChild(index)) }
        #expect(parent.liveChildIndices == [0, 2])
        for index in [2, 0] { done.append(parent.finishChild(index)) }
        #expect(done == [false, false, false, true])
        #expect(parent.numLive == 0)
    }

    @Test("the scheduler admits the children in one step, the later ones hitting the first one's full prompt blocks")
    func childrenSharePromptBlocks() throws {
        var params = SamplingParams(temperature: 1, seed: 1, maxTokens: 4)
        params.n = 3
        let config = SchedulerConfig(maxModelLength: 256, blockSize: 16, numBlocks: 64)
        let request = try RequestValidator(vocabularySize: 1000, config: config)
            .validate(requestID: "p", promptTokenIDs: Array(100..<150), params: params)
        var scheduler = try Scheduler(config: config)
        for child in ParentRequest(request).makeChildren() { try scheduler.add(child) }
        let output = runStep(&scheduler).output
        #expect(output.scheduledRequests.map(\.requestID) == ["p#0", "p#1", "p#2"])
        // 50 tokens: 3 full blocks, all shared; each child computes only its own tail.
        #expect(output.scheduledRequests.map(\.startPosition) == [0, 48, 48])
        let tables = output.scheduledRequests.map { $0.blockIDs.prefix(3) }
        #expect(tables[1] == tables[0] && tables[2] == tables[0])
        #expect(scheduler.prefixCacheStats.hits == 2 * 48)
    }
}
