/// The scheduler's only view of the KV cache: which blocks each request holds, prefix-cache
/// lookups, and "ask, then do" allocation.
///
/// As vLLM v1's `KVCacheManager` (vllm/v1/core/kv_cache_manager.py) with its hybrid coordinator:
/// one block pool shared by the model's KV-cache groups (``SluiceModel/KVCacheLayout``), a block
/// table per group for each request. A sliding-window group releases the blocks that fall wholly
/// before its window (vLLM's `SlidingWindowManager.remove_skipped_blocks`), so on Gemma 3 the
/// sliding layers hold a window's worth of blocks however long the sequence grows. A request's life:
/// 1. ``getComputedBlocks(requestID:tokenIDs:extraKeys:)`` finds its longest cached prefix;
/// 2. ``canAllocate(requestID:numComputedTokens:numNewTokens:newComputedBlocks:)`` asks, and
///    ``allocateSlots(requestID:tokenIDs:numComputedTokens:numNewTokens:newComputedBlocks:extraKeys:)``
///    does, each step it is scheduled, with no other allocation in between;
/// 3. ``free(requestID:)`` when it finishes, aborts or is preempted, even if it never got blocks.
public struct KVCacheManager: Sendable {
    /// Tokens per block.
    public var blockSize: Int { capacity.blockSize }
    /// The pool's size and its token and block arithmetic.
    public let capacity: KVCapacity
    /// The blocks, their reference counts and the hash map.
    public private(set) var blockPool: BlockPool
    /// Prefix-cache lookups and hits since start or the last ``resetPrefixCache()``.
    public private(set) var prefixCacheStats = PrefixCacheStats()
    /// What the manager remembers per request.
    private var requests: [RequestID: RequestBlocks] = [:]

    /// One request's blocks and the chained hashes of its full blocks.
    private struct RequestBlocks: Sendable {
        /// One block table per group, in token order, all of one length.
        var tables: [[BlockID]]
        /// Per group, how many leading entries are already the null block (released, or never
        /// taken because a cache hit did not need them): the next release starts there.
        var numSkippedBlocks: [Int]
        /// The chained hashes of the request's full blocks computed so far.
        var blockHashes: [BlockHash] = []
        /// How many leading blocks are already recorded in the pool's hash map.
        var numCachedBlocks = 0
        /// The keys hashed into every block of this request.
        var extraKeys: BlockHashExtraKeys

        init(numGroups: Int, extraKeys: BlockHashExtraKeys) {
            tables = [[BlockID]](repeating: [], count: numGroups)
            numSkippedBlocks = [Int](repeating: 0, count: numGroups)
            self.extraKeys = extraKeys
        }
    }

    /// Makes a manager over `numBlocks` blocks (the null block included) of `blockSize` tokens, for
    /// KV-cache groups with these sliding windows (nil: full attention; one full group by default).
    public init(numBlocks: Int, blockSize: Int, enablePrefixCaching: Bool = true, groupWindows: [Int?] = [nil]) {
        precondition(!groupWindows.isEmpty, "a KV cache has at least one group")
        capacity = KVCapacity(numBlocks: numBlocks, blockSize: blockSize, groupWindows: groupWindows)
        blockPool = BlockPool(numBlocks: numBlocks, enablePrefixCaching: enablePrefixCaching)
    }

    /// Whether full blocks are shared between requests by content.
    public var enablePrefixCaching: Bool { blockPool.enablePrefixCaching }

    /// Each group's sliding window, nil for full attention.
    public var groupWindows: [Int?] { capacity.groupWindows }

    /// The number of KV-cache groups: block tables per request.
    public var numGroups: Int { groupWindows.count }

    /// The fraction of usable blocks held by requests, in [0, 1].
    public var usage: Double { blockPool.usage }

    /// The number of blocks that can be handed out now.
    public var numFreeBlocks: Int { blockPool.numFreeBlocks }

    /// The request's block table in the first group, in token order; empty for an unknown request.
    public func blockIDs(requestID: RequestID) -> [BlockID] {
        requests[requestID]?.tables[0] ?? []
    }

    /// The request's block tables, one per group; empty tables for an unknown request.
    public func blockTables(requestID: RequestID) -> [[BlockID]] {
        requests[requestID]?.tables ?? [[BlockID]](repeating: [], count: numGroups)
    }

    /// Blocks the request holds now, over all groups (the null entries of released blocks excluded).
    public func numHeldBlocks(requestID: RequestID) -> Int {
        requests[requestID]?.tables.reduce(0) { $0 + $1.filter { $0 != .null }.count } ?? 0
    }

    /// Finds the longest prefix of `tokenIDs` whose blocks are cached in every group: all of them
    /// for a full-attention group, the ones the next token's window reaches for a sliding group.
    ///
    /// The prompt's last token is always recomputed so that the step has logits to sample from,
    /// so only blocks lying wholly within the first `tokenIDs.count - 1` tokens can hit: a
    /// 512-token prompt with block size 16 hits at most 31 blocks (496 tokens). As vLLM's hybrid
    /// coordinator, the full groups fix the longest candidate and the sliding groups shorten it
    /// until each finds its window's blocks. The blocks are not yet held; pass them to
    /// ``allocateSlots(requestID:tokenIDs:numComputedTokens:numNewTokens:newComputedBlocks:extraKeys:)``
    /// before any other allocation. Off, this returns no blocks and counts nothing.
    public mutating func getComputedBlocks(
        requestID: RequestID, tokenIDs: [Int], extraKeys: BlockHashExtraKeys = .none
    ) -> (blocks: KVCacheBlocks, numComputedTokens: Int) {
        guard enablePrefixCaching else { return (.empty, 0) }
        var request = requests[requestID] ?? RequestBlocks(numGroups: numGroups, extraKeys: extraKeys)
        extendHashes(&request, tokenIDs: tokenIDs, numFullBlocks: capacity.fullBlocks(inTokens: tokenIDs.count))
        requests[requestID] = request

        let hashes = request.blockHashes
        var length = capacity.fullBlocks(inTokens: tokenIDs.count - 1)
        for (group, window) in groupWindows.enumerated() where window == nil {
            var cached = 0
            while cached < length, blockPool.getCachedBlock(hashes[cached].forGroup(group)) != nil { cached += 1 }
            length = cached
        }
        func windowsCached(_ length: Int) -> Bool {
            for (group, window) in groupWindows.enumerated() {
                guard let window else { continue }
                let first = firstNeededBlock(numComputedTokens: length * blockSize, window: window)
                for index in first..<length where blockPool.getCachedBlock(hashes[index].forGroup(group)) == nil { return false }
            }
            return true
        }
        while length > 0, !windowsCached(length) { length -= 1 }

        let tables = groupWindows.enumerated().map { group, window -> [BlockID] in
            let first = window.map { firstNeededBlock(numComputedTokens: length * blockSize, window: $0) } ?? 0
            return (0..<length).map { index in
                index < first ? .null : blockPool.getCachedBlock(hashes[index].forGroup(group))!
            }
        }
        let numComputedTokens = length * blockSize
        prefixCacheStats.requests += 1
        prefixCacheStats.queries += tokenIDs.count
        prefixCacheStats.hits += numComputedTokens
        return (length == 0 ? .empty : KVCacheBlocks(tables: tables), numComputedTokens)
    }

    /// Whether ``allocateSlots(requestID:tokenIDs:numComputedTokens:numNewTokens:newComputedBlocks:extraKeys:)``
    /// with the same arguments would succeed.
    ///
    /// `numComputedTokens` counts the tokens the request computed before, excluding
    /// `newComputedBlocks`. Cache hits that sit free are counted as taken from the free pool, and
    /// blocks a sliding group releases first as returned to it.
    public func canAllocate(
        requestID: RequestID, numComputedTokens: Int, numNewTokens: Int,
        newComputedBlocks: KVCacheBlocks = .empty
    ) -> Bool {
        let request = requests[requestID]
        let numComputed = numComputedTokens + newComputedBlocks.count * blockSize
        let numRequired = capacity.blocksNeeded(forTokens: numComputed + numNewTokens)
        var numNewBlocks = 0
        for (group, window) in groupWindows.enumerated() {
            let table = request?.tables[group] ?? []
            numNewBlocks += max(0, numRequired - table.count - newComputedBlocks.count)
            if let window {
                let first = min(firstNeededBlock(numComputedTokens: numComputed, window: window), table.count)
                let start = min(request?.numSkippedBlocks[group] ?? 0, first)
                numNewBlocks -= table[start..<first].filter { $0 != .null && blockPool[$0].refCount == 1 }.count
            }
        }
        let numFreeHits = newComputedBlocks.heldBlockIDs.filter { blockPool[$0].refCount == 0 }.count
        return numNewBlocks <= blockPool.numFreeBlocks - numFreeHits
    }

    /// Gives the request the cache hits and enough new blocks for `numNewTokens` more tokens in
    /// every group, after releasing the blocks its sliding groups no longer reach, then caches its
    /// newly full blocks; returns the new blocks, or `nil` (changing nothing) when too few blocks
    /// are free.
    ///
    /// `tokenIDs` holds all the request's tokens so far (prompt and output); only blocks whose
    /// tokens are all known and scheduled are cached.
    @discardableResult
    public mutating func allocateSlots(
        requestID: RequestID, tokenIDs: [Int], numComputedTokens: Int, numNewTokens: Int,
        newComputedBlocks: KVCacheBlocks = .empty, extraKeys: BlockHashExtraKeys = .none
    ) -> KVCacheBlocks? {
        guard canAllocate(
            requestID: requestID, numComputedTokens: numComputedTokens,
            numNewTokens: numNewTokens, newComputedBlocks: newComputedBlocks)
        else { return nil }
        var request = requests.removeValue(forKey: requestID) ?? RequestBlocks(numGroups: numGroups, extraKeys: extraKeys)
        precondition(
            newComputedBlocks.isEmpty || request.tables.allSatisfy(\.isEmpty),
            "cache hits are only taken before a request holds blocks")

        if enablePrefixCaching && !newComputedBlocks.isEmpty {
            // A hit that was evicted since the lookup would hand out another prompt's KV.
            for (group, table) in newComputedBlocks.tables.enumerated() {
                for (index, block) in table.enumerated() where block != .null {
                    precondition(
                        blockPool[block].blockHash == request.blockHashes[index].forGroup(group),
                        "cache hit \(block) was evicted between getComputedBlocks and allocateSlots")
                }
            }
            blockPool.touch(newComputedBlocks.heldBlockIDs)
            request.numCachedBlocks = newComputedBlocks.count
            for group in 0..<numGroups {
                request.tables[group] = newComputedBlocks.tables[group]
                request.numSkippedBlocks[group] = request.tables[group].prefix { $0 == .null }.count
            }
        }

        let numComputed = numComputedTokens + newComputedBlocks.count * blockSize
        releaseSkippedBlocks(&request, numComputedTokens: numComputed)
        let numTokens = numComputed + numNewTokens
        let numRequired = capacity.blocksNeeded(forTokens: numTokens)
        var newTables: [[BlockID]] = []
        for group in 0..<numGroups {
            let newBlocks = blockPool.getNewBlocks(max(0, numRequired - request.tables[group].count))
            request.tables[group] += newBlocks
            newTables.append(newBlocks)
        }

        if enablePrefixCaching {
            let numFullBlocks = capacity.fullBlocks(inTokens: min(numTokens, tokenIDs.count))
            extendHashes(&request, tokenIDs: tokenIDs, numFullBlocks: numFullBlocks)
            for group in 0..<numGroups {
                blockPool.cacheFullBlocks(
                    blockIDs: request.tables[group], blockHashes: request.blockHashes,
                    numCachedBlocks: request.numCachedBlocks, numFullBlocks: numFullBlocks,
                    tokenIDs: tokenIDs, blockSize: blockSize, group: group)
            }
            request.numCachedBlocks = max(request.numCachedBlocks, numFullBlocks)
        }
        requests[requestID] = request
        return KVCacheBlocks(tables: newTables)
    }

    /// Releases the request's blocks, tail first so its last blocks are evicted first, and
    /// forgets it; freed full blocks stay cached until evicted.
    public mutating func free(requestID: RequestID) {
        guard let request = requests.removeValue(forKey: requestID) else { return }
        for table in request.tables { blockPool.free(table.reversed().filter { $0 != .null }) }
    }

    /// Records cache changes as ``KVCacheEvent``s from now on.
    public mutating func recordEvents() {
        blockPool.recordsEvents = true
    }

    /// The cache changes since the last call, oldest first.
    public mutating func takeEvents() -> [KVCacheEvent] {
        blockPool.takeEvents()
    }

    /// Forgets every cached block and zeroes the counters; refused while any block is held.
    public mutating func resetPrefixCache() -> Bool {
        guard blockPool.resetPrefixCache() else { return false }
        prefixCacheStats = PrefixCacheStats()
        return true
    }

    /// The first block a token at position `numComputedTokens` still reads through a window of
    /// `window` positions: the block holding position `numComputedTokens - window + 1`.
    private func firstNeededBlock(numComputedTokens: Int, window: Int) -> Int {
        max(0, numComputedTokens - window + 1) / blockSize
    }

    /// Returns to the pool, in each sliding group, the blocks wholly before the window of the
    /// request's next token; their table entries become the null block. Freed blocks keep their
    /// hashes, so they stay prefix-cache hits until evicted.
    private mutating func releaseSkippedBlocks(_ request: inout RequestBlocks, numComputedTokens: Int) {
        for (group, window) in groupWindows.enumerated() {
            guard let window else { continue }
            let first = min(firstNeededBlock(numComputedTokens: numComputedTokens, window: window), request.tables[group].count)
            let start = request.numSkippedBlocks[group]
            guard start < first else { continue }
            var released: [BlockID] = []
            for index in (start..<first).reversed() where request.tables[group][index] != .null {
                released.append(request.tables[group][index])
                request.tables[group][index] = .null
            }
            blockPool.free(released)
            request.numSkippedBlocks[group] = first
        }
    }

    /// Computes chained hashes for the request's full blocks up to `numFullBlocks`.
    private func extendHashes(_ request: inout RequestBlocks, tokenIDs: [Int], numFullBlocks: Int) {
        while request.blockHashes.count < numFullBlocks {
            let start = request.blockHashes.count * blockSize
            request.blockHashes.append(BlockHash(
                parent: request.blockHashes.last, tokenIDs: tokenIDs[start..<start + blockSize],
                extraKeys: request.extraKeys))
        }
    }
}
