/// Every KV-cache block's reference count and cached hash, the LRU free queue, and the map from
/// block hash to cached block.
///
/// As vLLM v1's `BlockPool` (vllm/v1/core/block_pool.py). Invariants, which the property test
/// checks after every operation:
/// - a block is in the free queue exactly when its reference count is 0;
/// - the hash map holds `hash -> block` exactly for the blocks that carry a hash;
/// - the null block is never queued or handed out.
///
/// A freed block keeps its hash and joins the back of the free queue; it stays a prefix-cache
/// hit until it reaches the front and is handed out again, which evicts it.
public struct BlockPool: Sendable {
    /// The number of blocks, the null block included.
    public let numBlocks: Int
    /// Whether full blocks are cached by hash; off, no block ever carries a hash.
    public let enablePrefixCaching: Bool
    /// Every block's bookkeeping, indexed by block id.
    private var blocks: [KVCacheBlock]
    /// The free blocks, least recently freed first.
    public private(set) var freeQueue: FreeBlockQueue
    /// The cached block for each hash.
    private var cachedBlocks: [BlockHash: BlockID] = [:]
    /// Whether cache changes are recorded as ``KVCacheEvent``s (off unless someone subscribes, so
    /// that the step loop builds no event it would throw away).
    public var recordsEvents = false
    /// The events recorded since the last ``takeEvents()``.
    private var pendingEvents: [KVCacheEvent] = []

    /// Makes a pool of `numBlocks` blocks (at least 2: the null block and one usable block).
    public init(numBlocks: Int, enablePrefixCaching: Bool) {
        precondition(numBlocks >= 2, "a block pool needs the null block and at least one more")
        self.numBlocks = numBlocks
        self.enablePrefixCaching = enablePrefixCaching
        blocks = (0..<numBlocks).map { KVCacheBlock(id: BlockID($0)) }
        freeQueue = FreeBlockQueue(numBlocks: numBlocks, initialBlocks: (1..<numBlocks).map { BlockID($0) })
    }

    /// The number of blocks that can be handed out now, cached-but-free blocks included.
    public var numFreeBlocks: Int { freeQueue.count }

    /// The fraction of usable (non-null) blocks held by requests, in [0, 1].
    public var usage: Double {
        Double(numBlocks - 1 - numFreeBlocks) / Double(numBlocks - 1)
    }

    /// The number of blocks that carry a hash, free or held.
    public var numCachedBlocks: Int { cachedBlocks.count }

    /// The bookkeeping of one block.
    public subscript(block: BlockID) -> KVCacheBlock {
        blocks[block.rawValue]
    }

    /// The cached block with this hash, if any; it may be free (reference count 0).
    public func getCachedBlock(_ hash: BlockHash) -> BlockID? {
        cachedBlocks[hash]
    }

    /// Takes `count` blocks from the front of the free queue, evicting any cached hashes they
    /// carry, and gives each a reference count of 1.
    ///
    /// The caller checks ``numFreeBlocks`` first ("ask, then do"); asking for more is a bug.
    public mutating func getNewBlocks(_ count: Int) -> [BlockID] {
        precondition(count <= numFreeBlocks, "asked for \(count) blocks with \(numFreeBlocks) free")
        var result: [BlockID] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard let block = freeQueue.popFront() else { break }
            evict(block)
            blocks[block.rawValue].refCount = 1
            result.append(block)
        }
        return result
    }

    /// Adds one reference to each block, taking blocks that were free (prefix-cache hits) out of
    /// the free queue.
    public mutating func touch(_ blockIDs: [BlockID]) {
        for block in blockIDs {
            precondition(block != .null, "the null block is never held")
            if blocks[block.rawValue].refCount == 0 {
                freeQueue.remove(block)
            }
            blocks[block.rawValue].refCount += 1
        }
    }

    /// Drops one reference from each block; blocks that reach 0 join the back of the free queue
    /// in the order given, keeping their hashes.
    ///
    /// Pass a request's blocks in reverse so that its tail blocks, the least likely to be shared,
    /// are evicted first (as vLLM does).
    public mutating func free<Blocks: Sequence<BlockID>>(_ blockIDs: Blocks) {
        for block in blockIDs {
            precondition(blocks[block.rawValue].refCount > 0, "block \(block) freed more often than held")
            blocks[block.rawValue].refCount -= 1
            if blocks[block.rawValue].refCount == 0 {
                freeQueue.append(block)
            }
        }
    }

    /// Records the hashes of a request's newly full blocks, `blockIDs[numCachedBlocks..<numFullBlocks]`,
    /// so later requests can hit them.
    ///
    /// `blockHashes` holds the request's chained hashes for at least `numFullBlocks` blocks; the
    /// blocks are cached under their keys for KV-cache group `group` (``BlockHash/forGroup(_:)``),
    /// and null entries (a sliding-window group's blocks before its window) are skipped. When
    /// another block already caches the same key (two requests computed the same prefix at the
    /// same time), the new block stays unhashed and is simply reused after it is freed.
    ///
    /// With ``recordsEvents`` on, each unbroken run of group 0's newly cached blocks is one
    /// ``KVCacheEvent/blockStored(blockHashes:parentBlockHash:tokenIDs:blockSize:)``, its tokens
    /// read from `tokenIDs` (the request's tokens) in blocks of `blockSize`. The other groups cache
    /// the same prefixes, so announcing group 0's tells a router all it can route on.
    public mutating func cacheFullBlocks(
        blockIDs: [BlockID], blockHashes: [BlockHash], numCachedBlocks: Int, numFullBlocks: Int,
        tokenIDs: [Int] = [], blockSize: Int = 0, group: Int = 0
    ) {
        guard enablePrefixCaching, numCachedBlocks < numFullBlocks else { return }
        precondition(numFullBlocks <= blockIDs.count && numFullBlocks <= blockHashes.count)
        var runStart: Int?
        for index in numCachedBlocks..<numFullBlocks {
            let block = blockIDs[index]
            let hash = blockHashes[index].forGroup(group)
            guard block != .null, blocks[block.rawValue].blockHash == nil, cachedBlocks[hash] == nil else {
                if let start = runStart, group == 0 { recordStored(start..<index, blockHashes, tokenIDs, blockSize) }
                runStart = nil
                continue
            }
            blocks[block.rawValue].blockHash = hash
            blocks[block.rawValue].cacheGroup = group
            cachedBlocks[hash] = block
            if runStart == nil { runStart = index }
        }
        if let start = runStart, group == 0 { recordStored(start..<numFullBlocks, blockHashes, tokenIDs, blockSize) }
    }

    /// Records that the blocks at `range` of a request became cached.
    private mutating func recordStored(_ range: Range<Int>, _ blockHashes: [BlockHash], _ tokenIDs: [Int],
                                       _ blockSize: Int) {
        guard recordsEvents else { return }
        precondition(range.upperBound * blockSize <= tokenIDs.count, "stored blocks need their tokens")
        pendingEvents.append(.blockStored(
            blockHashes: Array(blockHashes[range]), parentBlockHash: range.lowerBound > 0 ? blockHashes[range.lowerBound - 1] : nil,
            tokenIDs: Array(tokenIDs[(range.lowerBound * blockSize)..<(range.upperBound * blockSize)]),
            blockSize: blockSize))
    }

    /// The events recorded since the last call, oldest first; the pool forgets them.
    public mutating func takeEvents() -> [KVCacheEvent] {
        guard !pendingEvents.isEmpty else { return [] }
        defer { pendingEvents.removeAll() }
        return pendingEvents
    }

    /// Every hash of group 0 that is a prefix-cache hit now, free blocks' included: what a
    /// subscriber to the events rebuilds.
    public var cachedBlockHashes: Set<BlockHash> {
        Set(cachedBlocks.lazy.filter { self.blocks[$0.value.rawValue].cacheGroup == 0 }.map(\.key))
    }

    /// Forgets every cached hash; refused (returns `false`) while any block is held, since held
    /// blocks' hashes are still in use by their requests' bookkeeping.
    public mutating func resetPrefixCache() -> Bool {
        guard numFreeBlocks == numBlocks - 1 else { return false }
        for block in cachedBlocks.values {
            blocks[block.rawValue].blockHash = nil
            blocks[block.rawValue].cacheGroup = 0
        }
        cachedBlocks.removeAll()
        if recordsEvents { pendingEvents.append(.allBlocksCleared) }
        return true
    }

    /// Drops a block's hash from the cache when the block is about to hold new tokens.
    private mutating func evict(_ block: BlockID) {
        guard let hash = blocks[block.rawValue].blockHash else { return }
        blocks[block.rawValue].blockHash = nil
        let group = blocks[block.rawValue].cacheGroup
        blocks[block.rawValue].cacheGroup = 0
        if cachedBlocks[hash] == block {
            cachedBlocks.removeValue(forKey: hash)
            guard recordsEvents, group == 0 else { return }
            // Evictions in one call come one after another: they join one event, as vLLM's do.
            if case .blockRemoved(var hashes) = pendingEvents.last {
                pendingEvents.removeLast()
                hashes.append(hash)
                pendingEvents.append(.blockRemoved(blockHashes: hashes))
            } else {
                pendingEvents.append(.blockRemoved(blockHashes: [hash]))
            }
        }
    }

    /// Every hash-to-block entry, for invariant checks in tests.
    var cachedBlockEntries: [BlockHash: BlockID] { cachedBlocks }
}
