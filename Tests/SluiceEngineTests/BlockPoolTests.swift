import Testing
@testable import SluiceEngine

@Suite("BlockPool")
struct BlockPoolTests {
    /// Distinct hashes for tests, one per block index.
    private func makeHashes(_ count: Int, salt: Int = 0) -> [BlockHash] {
        var hashes: [BlockHash] = []
        for index in 0..<count {
            hashes.append(BlockHash(parent: hashes.last, tokenIDs: [index, salt][...], extraKeys: .none))
        }
        return hashes
    }

    @Test("a fresh pool hands out blocks 1, 2, 3 in order and never the null block")
    func freshPoolOrder() {
        var pool = BlockPool(numBlocks: 10, enablePrefixCaching: true)
        #expect(pool.numFreeBlocks == 9)
        #expect(pool.usage == 0)
        #expect(pool.getNewBlocks(3) == [1, 2, 3])
        #expect(pool.numFreeBlocks == 6)
        #expect(pool.usage == 3.0 / 9.0)
        #expect(pool.getNewBlocks(6) == [4, 5, 6, 7, 8, 9])
        #expect(pool.usage == 1)
        #expect(!pool.freeQueue.contains(.null))
    }

    @Test("blocks freed in reverse go to the back and come out after the never-used ones")
    func freedInReverseReallocatedLast() {
        var pool = BlockPool(numBlocks: 10, enablePrefixCaching: true)
        let blocks = pool.getNewBlocks(3)
        pool.free(blocks.reversed())
        #expect(pool.freeQueue.blockIDs == [4, 5, 6, 7, 8, 9, 3, 2, 1])
        #expect(pool.getNewBlocks(7) == [4, 5, 6, 7, 8, 9, 3])
        #expect(pool.getNewBlocks(2) == [2, 1])
    }

    @Test("a cached free block hit is taken out of the middle of the free queue")
    func touchRemovesFromMiddle() {
        var pool = BlockPool(numBlocks: 10, enablePrefixCaching: true)
        let blocks = pool.getNewBlocks(3)
        let hashes = makeHashes(3)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 3)
        pool.free(blocks.reversed())
        #expect(pool.getCachedBlock(hashes[1]) == 2)
        pool.touch([2])
        #expect(pool[2].refCount == 1)
        #expect(pool.freeQueue.blockIDs == [4, 5, 6, 7, 8, 9, 3, 1])
        #expect(pool.freeQueue.blockIDsBackward == [1, 3, 9, 8, 7, 6, 5, 4])
        #expect(pool.numFreeBlocks == 8)
    }

    /// `vllm:kv_cache_usage_perc` is this figure, and routers take it for load (SMG leaves a worker
    /// out of routing at 0.8 by default): a replica whose cache is full of reusable prefixes is
    /// idle, not loaded. As vLLM's `BlockPool.get_usage`, which counts evictable blocks as free.
    @Test("usage counts blocks held by requests, not free blocks that still cache a prefix")
    func usageIgnoresCachedFreeBlocks() {
        var pool = BlockPool(numBlocks: 5, enablePrefixCaching: true)
        let blocks = pool.getNewBlocks(4)
        let hashes = makeHashes(4)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 4)
        #expect(pool.usage == 1)
        pool.free(blocks.reversed())
        #expect(pool.numCachedBlocks == 4)
        #expect(pool.usage == 0)
        // A hit on two of them makes those two held again; the other two stay cached and free.
        pool.touch(Array(blocks.prefix(2)))
        #expect(pool.usage == 0.5)
        #expect(pool.numCachedBlocks == 4)
        // Handing out a free cached block evicts it and holds it: usage grows, the cache shrinks.
        #expect(pool.getNewBlocks(1) == [4])
        #expect(pool.usage == 0.75)
        #expect(pool.numCachedBlocks == 3)
    }

    @Test("handing out a cached free block evicts its hash, and only that one")
    func evictionRemovesHash() {
        var pool = BlockPool(numBlocks: 4, enablePrefixCaching: true)
        let blocks = pool.getNewBlocks(3)
        let hashes = makeHashes(3)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 3)
        pool.free(blocks.reversed())
        #expect(pool.numCachedBlocks == 3)
        #expect(pool.getNewBlocks(1) == [3])
        #expect(pool.getCachedBlock(hashes[2]) == nil)
        #expect(pool[3].blockHash == nil)
        #expect(pool.getCachedBlock(hashes[0]) == 1)
        #expect(pool.getCachedBlock(hashes[1]) == 2)
        #expect(pool.numCachedBlocks == 2)
    }

    @Test("a shared block stays held until its last holder frees it")
    func sharedBlockRefCount() {
        var pool = BlockPool(numBlocks: 5, enablePrefixCaching: true)
        let blocks = pool.getNewBlocks(1)
        pool.touch(blocks)
        #expect(pool[1].refCount == 2)
        pool.free(blocks)
        #expect(pool[1].refCount == 1)
        #expect(!pool.freeQueue.contains(1))
        pool.free(blocks)
        #expect(pool[1].refCount == 0)
        #expect(pool.freeQueue.blockIDs == [2, 3, 4, 1])
    }

    @Test("a block whose hash is already cached by another block stays unhashed")
    func duplicateHashNotCached() {
        var pool = BlockPool(numBlocks: 5, enablePrefixCaching: true)
        let first = pool.getNewBlocks(1)
        let second = pool.getNewBlocks(1)
        let hashes = makeHashes(1)
        pool.cacheFullBlocks(blockIDs: first, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 1)
        pool.cacheFullBlocks(blockIDs: second, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 1)
        #expect(pool.getCachedBlock(hashes[0]) == 1)
        #expect(pool[2].blockHash == nil)
        #expect(pool.numCachedBlocks == 1)
    }

    @Test("with prefix caching off, caching full blocks records nothing")
    func cachingOff() {
        var pool = BlockPool(numBlocks: 5, enablePrefixCaching: false)
        let blocks = pool.getNewBlocks(2)
        let hashes = makeHashes(2)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 2)
        #expect(pool.getCachedBlock(hashes[0]) == nil)
        #expect(pool.numCachedBlocks == 0)
    }

    @Test("resetting the prefix cache is refused while blocks are held and clears every hash after")
    func resetPrefixCache() {
        var pool = BlockPool(numBlocks: 5, enablePrefixCaching: true)
        let blocks = pool.getNewBlocks(2)
        let hashes = makeHashes(2)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 2)
        let refusedWhileHeld = pool.resetPrefixCache()
        #expect(!refusedWhileHeld)
        #expect(pool.numCachedBlocks == 2)
        pool.free(blocks.reversed())
        let resetWhenFree = pool.resetPrefixCache()
        #expect(resetWhenFree)
        #expect(pool.numCachedBlocks == 0)
        #expect(pool[1].blockHash == nil && pool[2].blockHash == nil)
        #expect(pool.getCachedBlock(hashes[0]) == nil)
    }

    @Test("block hashes chain: the same tokens under a different parent or extra keys differ")
    func hashesChain() {
        let tokens = Array(0..<16)
        let root = BlockHash(parent: nil, tokenIDs: tokens[...], extraKeys: .none)
        #expect(root == BlockHash(parent: nil, tokenIDs: tokens[...], extraKeys: .none))
        #expect(root != BlockHash(parent: root, tokenIDs: tokens[...], extraKeys: .none))
        #expect(root != BlockHash(parent: nil, tokenIDs: tokens[...], extraKeys: BlockHashExtraKeys(keys: [1])))
        #expect(root != BlockHash(parent: nil, tokenIDs: tokens[...], extraKeys: BlockHashExtraKeys(cacheSalt: "a")))
        #expect(root.description.count == 32)
    }
}
