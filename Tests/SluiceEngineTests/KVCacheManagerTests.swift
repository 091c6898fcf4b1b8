import Testing
@testable import SluiceEngine

@Suite("KVCacheManager")
struct KVCacheManagerTests {
    private func makeManager(numBlocks: Int = 100, blockSize: Int = 16, caching: Bool = true) -> KVCacheManager {
        KVCacheManager(numBlocks: numBlocks, blockSize: blockSize, enablePrefixCaching: caching)
    }

    /// Looks up the cache and admits the whole prompt, as the scheduler does for a new request.
    @discardableResult
    private func admit(
        _ manager: inout KVCacheManager, _ requestID: RequestID, _ tokens: [Int],
        extraKeys: BlockHashExtraKeys = .none
    ) -> Int {
        let (hits, numComputedTokens) = manager.getComputedBlocks(
            requestID: requestID, tokenIDs: tokens, extraKeys: extraKeys)
        let blocks = manager.allocateSlots(
            requestID: requestID, tokenIDs: tokens, numComputedTokens: 0,
            numNewTokens: tokens.count - numComputedTokens, newComputedBlocks: hits, extraKeys: extraKeys)
        #expect(blocks != nil)
        return numComputedTokens
    }

    @Test("a second request with the same 512-token prompt computes only the last block: 496 cached tokens")
    func samePromptHits31Blocks() {
        var manager = makeManager()
        var random = TestRandom(seed: 1)
        let prompt = random.tokens(512)
        #expect(admit(&manager, "a", prompt) == 0)
        #expect(manager.blockIDs(requestID: "a") == (1...32).map { BlockID($0) })

        let (hits, numComputedTokens) = manager.getComputedBlocks(requestID: "b", tokenIDs: prompt)
        #expect(numComputedTokens == 496)
        #expect(hits.blockIDs == (1...31).map { BlockID($0) })
        let newBlocks = manager.allocateSlots(
            requestID: "b", tokenIDs: prompt, numComputedTokens: 0, numNewTokens: 16, newComputedBlocks: hits)
        #expect(newBlocks?.blockIDs == [33])
        #expect(manager.blockIDs(requestID: "b") == (1...31).map { BlockID($0) } + [33])
        #expect(manager.blockPool[1].refCount == 2)
        #expect(manager.blockPool[32].refCount == 1)
        #expect(manager.prefixCacheStats == PrefixCacheStats(requests: 2, queries: 1024, hits: 496))
    }

    @Test("a 513-token prompt whose first 512 tokens are cached hits all 32 blocks")
    func oneTokenPastCachedPrefixHitsAll() {
        var manager = makeManager()
        var random = TestRandom(seed: 2)
        let prompt = random.tokens(512)
        admit(&manager, "a", prompt)
        manager.free(requestID: "a")
        #expect(admit(&manager, "b", prompt + [7]) == 512)
    }

    @Test("a differing token in block k leaves exactly k cached blocks")
    func differingTokenStopsTheHit() {
        var random = TestRandom(seed: 3)
        let prompt = random.tokens(512)
        for k in [0, 1, 5, 17, 30, 31] {
            var manager = makeManager()
            admit(&manager, "a", prompt)
            var changed = prompt
            changed[k * 16 + 9] += 1
            let (hits, numComputedTokens) = manager.getComputedBlocks(requestID: "b", tokenIDs: changed)
            // Block 31 holds the last token, which is never a hit, so k = 31 hits 31 blocks too.
            #expect(hits.count == k, "token changed in block \(k)")
            #expect(numComputedTokens == k * 16)
        }
    }

    @Test("extra keys keep otherwise identical prompts apart")
    func extraKeysSeparate() {
        var manager = makeManager()
        var random = TestRandom(seed: 4)
        let prompt = random.tokens(64)
        admit(&manager, "a", prompt, extraKeys: BlockHashExtraKeys(cacheSalt: "tenant-1"))
        #expect(admit(&manager, "b", prompt, extraKeys: BlockHashExtraKeys(cacheSalt: "tenant-2")) == 0)
        #expect(admit(&manager, "c", prompt, extraKeys: BlockHashExtraKeys(keys: [1])) == 0)
        #expect(admit(&manager, "d", prompt, extraKeys: BlockHashExtraKeys(cacheSalt: "tenant-1")) == 48)
        #expect(admit(&manager, "e", prompt, extraKeys: BlockHashExtraKeys(keys: [1])) == 48)
    }

    @Test("with prefix caching off there are no hits and nothing is counted")
    func cachingOffNoHits() {
        var manager = makeManager(caching: false)
        var random = TestRandom(seed: 5)
        let prompt = random.tokens(512)
        admit(&manager, "a", prompt)
        manager.free(requestID: "a")
        #expect(admit(&manager, "b", prompt) == 0)
        #expect(manager.prefixCacheStats == PrefixCacheStats())
        #expect(manager.blockPool.numCachedBlocks == 0)
    }

    @Test("cache hits that sit free count against the free pool when asking to allocate")
    func freeHitsCountAgainstFreePool() {
        var manager = makeManager(numBlocks: 5, blockSize: 4)
        let prompt = Array(100..<116)
        admit(&manager, "a", prompt)
        manager.free(requestID: "a")
        #expect(manager.numFreeBlocks == 4)

        // 20 tokens: 4 free cached hits plus 1 new block, but only 4 blocks exist.
        let longer = prompt + [1, 2, 3, 4]
        let (hits, numComputedTokens) = manager.getComputedBlocks(requestID: "b", tokenIDs: longer)
        #expect(hits.count == 4 && numComputedTokens == 16)
        #expect(!manager.canAllocate(
            requestID: "b", numComputedTokens: 0, numNewTokens: 4, newComputedBlocks: hits))
        let refused = manager.allocateSlots(
            requestID: "b", tokenIDs: longer, numComputedTokens: 0, numNewTokens: 4, newComputedBlocks: hits)
        #expect(refused == nil)
        #expect(manager.numFreeBlocks == 4 && manager.blockPool.numCachedBlocks == 4)
        #expect(manager.blockIDs(requestID: "b").isEmpty)
        manager.free(requestID: "b")

        // The same 16 tokens: 3 hits plus 1 new block fit exactly; the tail block is evicted.
        #expect(admit(&manager, "c", prompt) == 12)
        #expect(manager.blockIDs(requestID: "c") == [1, 2, 3, 4])
        #expect(manager.numFreeBlocks == 0)
    }

    @Test("a freed request's tail blocks are evicted first")
    func tailEvictedFirst() {
        var manager = makeManager(numBlocks: 7, blockSize: 4)
        admit(&manager, "a", Array(0..<12))
        manager.free(requestID: "a")
        #expect(manager.blockPool.freeQueue.blockIDs == [4, 5, 6, 3, 2, 1])
        admit(&manager, "b", Array(50..<66))
        #expect(manager.blockIDs(requestID: "b") == [4, 5, 6, 3])
        manager.free(requestID: "b")
        #expect(manager.blockPool.freeQueue.blockIDs == [2, 1, 3, 6, 5, 4])
        // Blocks 1 and 2 still cache the first 8 tokens of "a"; block 3 was evicted by "b", and
        // is the front of the queue again once the hits are taken out.
        #expect(admit(&manager, "c", Array(0..<12)) == 8)
        #expect(manager.blockIDs(requestID: "c") == [1, 2, 3])
        #expect(manager.blockPool.freeQueue.blockIDs == [6, 5, 4])
    }

    @Test("decode steps add a block only when the last one fills, and cache it once full")
    func decodeGrowth() throws {
        var manager = makeManager(numBlocks: 10, blockSize: 4)
        var tokens = Array(0..<16)
        admit(&manager, "a", tokens)
        #expect(manager.blockIDs(requestID: "a") == [1, 2, 3, 4])
        for step in 0..<4 {
            tokens.append(1000 + step)
            let allocated = manager.allocateSlots(
                requestID: "a", tokenIDs: tokens, numComputedTokens: tokens.count - 1, numNewTokens: 1)
            let blocks = try #require(allocated)
            #expect(blocks.blockIDs == (step == 0 ? [5] : []))
        }
        #expect(manager.blockIDs(requestID: "a") == [1, 2, 3, 4, 5])
        #expect(manager.blockPool.numCachedBlocks == 5)
        #expect(manager.usage == 5.0 / 9.0)
    }

    @Test("freeing an unknown request changes nothing and it has no blocks")
    func unknownRequest() {
        var manager = makeManager()
        manager.free(requestID: "missing")
        #expect(manager.blockIDs(requestID: "missing").isEmpty)
        #expect(manager.numFreeBlocks == 99)
    }

    @Test("64 admitted requests of random lengths waste less than one block per request")
    func memoryWaste() {
        var manager = makeManager(numBlocks: 8192, blockSize: 16, caching: false)
        var random = TestRandom(seed: 6)
        var numTokens = 0
        for index in 0..<64 {
            let prompt = random.tokens(Int.random(in: 1...1500, using: &random))
            admit(&manager, RequestID("r\(index)"), prompt)
            numTokens += prompt.count
        }
        let numSlots = (8191 - manager.numFreeBlocks) * 16
        let unusedSlots = numSlots - numTokens
        let wastePercent = 100 * Double(unusedSlots) / Double(numSlots)
        print("KV memory waste over 64 requests: \(unusedSlots) of \(numSlots) slots (\(wastePercent)%)")
        #expect(unusedSlots < 64 * 16)
        #expect(unusedSlots >= 0)
    }
}
