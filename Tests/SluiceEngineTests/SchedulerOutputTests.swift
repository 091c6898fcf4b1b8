import SluiceModel
import Testing
@testable import SluiceEngine

@Suite("SchedulerOutput")
struct SchedulerOutputTests {
    @Test("a two-request step flattens into exact positions, slots, block tables and logit indices")
    func forwardBatchOfTwoRequests() throws {
        var scheduler = try makeScheduler(blockSize: 4, numBlocks: 10)
        try scheduler.add(makeRequest("a", promptLength: 6, tokenBase: 10))
        try scheduler.add(makeRequest("b", promptLength: 3, tokenBase: 20))
        let first = scheduler.schedule()
        #expect(first.scheduledRequests.map(\.blockIDs) == [[1, 2], [3]])
        let batch = first.makeForwardBatch()
        #expect(batch.tokenIDs == [10, 11, 12, 13, 14, 15, 20, 21, 22])
        #expect(batch.positions == [0, 1, 2, 3, 4, 5, 0, 1, 2])
        #expect(batch.slotMapping == [4, 5, 6, 7, 8, 9, 12, 13, 14])
        #expect(batch.sequenceIndices == [0, 0, 0, 0, 0, 0, 1, 1, 1])
        #expect(batch.maxBlocksPerSequence == 2)
        #expect(batch.blockTables == [1, 2, 3, 0])
        #expect(batch.logitIndices == [5, 8])
        scheduler.update(output: first, sampledTokens: ["a": 100, "b": 200])

        // Decode: a writes position 6 into block 2; b writes position 3, the end of block 3.
        let second = scheduler.schedule().makeForwardBatch()
        #expect(second.tokenIDs == [100, 200])
        #expect(second.positions == [6, 3])
        #expect(second.slotMapping == [10, 15])
        #expect(second.sequenceIndices == [0, 1])
        #expect(second.blockTables == [1, 2, 3, 0])
        #expect(second.logitIndices == [0, 1])
    }

    @Test("a chunk that does not reach the end of the prompt asks for no logits")
    func chunkWithoutLogits() throws {
        var scheduler = try makeScheduler(budget: 5, blockSize: 4, numBlocks: 10)
        try scheduler.add(makeRequest("a", promptLength: 8))
        let output = scheduler.schedule()
        #expect(output.numSamplingRequests == 0)
        let batch = output.makeForwardBatch()
        #expect(batch.logitIndices.isEmpty)
        #expect(batch.slotMapping == [4, 5, 6, 7, 8])
        #expect(batch.blockTables == [1, 2])
    }
}
