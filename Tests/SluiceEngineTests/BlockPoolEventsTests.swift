import Testing
@testable import SluiceEngine

@Suite("BlockPool's KV-cache events")
struct BlockPoolEventsTests {
    private func makeHashes(_ count: Int, salt: Int = 0) -> [BlockHash] {
        var hashes: [BlockHash] = []
        for index in 0..<count {
            hashes.append(BlockHash(parent: hashes.last, tokenIDs: [index, salt][...], extraKeys: .none))
        }
        return hashes
    }

    /// Applies events as a subscriber would.
    private func apply(_ events: [KVCacheEvent], to set: inout Set<BlockHash>) {
        for event in events {
            switch event {
            case .blockStored(let hashes, _, _, _): set.formUnion(hashes)
            case .blockRemoved(let hashes): set.subtract(hashes)
            case .allBlocksCleared: set.removeAll()
            }
        }
    }

    @Test("nothing is recorded unless asked")
    func offByDefault() {
        var pool = BlockPool(numBlocks: 4, enablePrefixCaching: true)
        let blocks = pool.getNewBlocks(2)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: makeHashes(2), numCachedBlocks: 0, numFullBlocks: 2,
                             tokenIDs: [1, 2, 3, 4], blockSize: 2)
        #expect(pool.takeEvents().isEmpty)
    }

    @Test("a run of newly full blocks is one BlockStored with its tokens and parent; a block cached elsewhere splits the run")
    func storedRuns() {
        var pool = BlockPool(numBlocks: 10, enablePrefixCaching: true)
        pool.recordsEvents = true
        let hashes = makeHashes(4)
        let tokens = Array(100..<108)
        // Another request already cached block 2's hash.
        let other = pool.getNewBlocks(3)
        pool.cacheFullBlocks(blockIDs: other, blockHashes: hashes, numCachedBlocks: 2, numFullBlocks: 3,
                             tokenIDs: tokens, blockSize: 2)
        #expect(pool.takeEvents() == [.blockStored(blockHashes: [hashes[2]], parentBlockHash: hashes[1],
                                                   tokenIDs: [104, 105], blockSize: 2)])
        let blocks = pool.getNewBlocks(4)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 4,
                             tokenIDs: tokens, blockSize: 2)
        #expect(pool.takeEvents() == [
            .blockStored(blockHashes: [hashes[0], hashes[1]], parentBlockHash: nil, tokenIDs: [100, 101, 102, 103], blockSize: 2),
            .blockStored(blockHashes: [hashes[3]], parentBlockHash: hashes[2], tokenIDs: [106, 107], blockSize: 2),
        ])
        #expect(pool.takeEvents().isEmpty)
    }

    @Test("evictions in one call join one BlockRemoved; a reset is AllBlocksCleared; applied in order they give the pool's set")
    func removedAndCleared() {
        var pool = BlockPool(numBlocks: 4, enablePrefixCaching: true)
        pool.recordsEvents = true
        var subscriber: Set<BlockHash> = []
        let hashes = makeHashes(3)
        let blocks = pool.getNewBlocks(3)
        pool.cacheFullBlocks(blockIDs: blocks, blockHashes: hashes, numCachedBlocks: 0, numFullBlocks: 3,
                             tokenIDs: Array(0..<3), blockSize: 1)
        pool.free(blocks.reversed())
        apply(pool.takeEvents(), to: &subscriber)
        #expect(subscriber == pool.cachedBlockHashes)
        _ = pool.getNewBlocks(2)
        let events = pool.takeEvents()
        #expect(events == [.blockRemoved(blockHashes: [hashes[2], hashes[1]])])
        apply(events, to: &subscriber)
        #expect(subscriber == pool.cachedBlockHashes && subscriber == [hashes[0]])
        var empty = BlockPool(numBlocks: 4, enablePrefixCaching: true)
        empty.recordsEvents = true
        let reset = empty.resetPrefixCache()
        #expect(reset)
        #expect(empty.takeEvents() == [.allBlocksCleared])
    }
}
