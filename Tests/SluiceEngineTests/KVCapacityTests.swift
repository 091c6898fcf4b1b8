import Testing
@testable import SluiceEngine

@Suite("KV capacity: the pool's arithmetic in one place")
struct KVCapacityTests {
    @Test("the number of blocks is the KV memory divided by the bytes per block, rounded down")
    func numBlocksFromMemory() {
        #expect(KVCapacity(memory: 1 << 30, bytesPerToken: 1 << 16, blockSize: 16).numBlocks == 1024)
        #expect(KVCapacity(memory: 1_000_000, bytesPerToken: 256, blockSize: 16).numBlocks == 244)
        #expect(KVCapacity(memory: 100, bytesPerToken: 256, blockSize: 16).numBlocks == 0)
        #expect(KVCapacity.bytesPerBlock(bytesPerToken: 256, blockSize: 16) == 4096)
        #expect(KVCapacity(numBlocks: 10, blockSize: 16).bytes(bytesPerToken: 256) == 40_960)
    }

    @Test("tokens round up to whole blocks, and only full blocks count as full")
    func blocksForTokens() {
        let capacity = KVCapacity(numBlocks: 5, blockSize: 16)
        #expect(capacity.blocksNeeded(forTokens: 0) == 0)
        #expect(capacity.blocksNeeded(forTokens: 1) == 1)
        #expect(capacity.blocksNeeded(forTokens: 16) == 1)
        #expect(capacity.blocksNeeded(forTokens: 17) == 2)
        #expect(capacity.fullBlocks(inTokens: 31) == 1)
        #expect(capacity.fullBlocks(inTokens: -1) == 0)
        // The last sampled token is never run: 60 prompt tokens and 5 outputs need 64 slots, 4 blocks.
        #expect(capacity.blocksNeeded(numPromptTokens: 60, maxTokens: 5) == 4)
        #expect(capacity.blocksNeeded(numPromptTokens: 60, maxTokens: 6) == 5)
    }

    @Test("the pool's usable blocks, its longest sequence, and how many sequences fit at once")
    func sequences() {
        let capacity = KVCapacity(numBlocks: 9, blockSize: 16)
        #expect(capacity.numUsableBlocks == 8)
        #expect(capacity.numUsableSlots == 128)
        #expect(capacity.maxSequenceLength == 129)
        #expect(capacity.maxSequences(ofLength: 33) == 4)
        #expect(capacity.maxSequences(ofLength: 34) == 2)
        #expect(capacity.maxSequences(ofLength: 129) == 1)
        #expect(KVCapacity.memory(forTokens: 100, bytesPerToken: 10, blockSize: 16) == 8 * 160)
    }

    @Test("the scheduler's configuration and the KV manager use the same capacity")
    func sharedByTheLayers() {
        let config = SchedulerConfig(maxModelLength: 100, blockSize: 8, numBlocks: 12)
        #expect(config.kvCapacity == KVCapacity(numBlocks: 12, blockSize: 8))
        #expect(KVCacheManager(numBlocks: 12, blockSize: 8).capacity == config.kvCapacity)
    }
}
