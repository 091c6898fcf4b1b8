/// The scheduler's only view of the KV cache: which blocks each request holds, prefix-cache
/// lookups, and "ask, then do" allocation.
///
/// As vLLM v1's `KVCacheManager` (vllm/v1/core/kv_cache_manager.py) for a single full-attention
/// cache group. A request's life:
/// 1. ``getComputedBlocks(requestID:tokenIDs:extraKeys:)`` finds its longest cached prefix;
/// 2. ``canAllocate(requestID:numComputedTokens:numNewTokens:newComputedBlocks:)`` asks, and
///    ``allocateSlots(requestID:tokenIDs:numComputedTokens:numNewTokens:newComputedBlocks:)``
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
        /// The block table, in token order.
        var blockIDs: [BlockID] = []
        /// The chained hashes of the request's full blocks computed so far.
        var blockHashes: [BlockHash] = []
        /// How many leading blocks are already recorded in the pool's hash map.
        var numCachedBlocks = 0
        /// The keys hashed into every block of this request.
        var extraKeys: BlockHashExtraKeys
    }

    /// Makes a manager over `numBlocks` blocks (the null block included) of `blockSize` tokens.
    public init(numBlocks: Int, blockSize: Int, enablePrefixCaching: Bool = true) {
        capacity = KVCapacity(numBlocks: numBlocks, blockSize: blockSize)
        blockPool = BlockPool(numBlocks: numBlocks, enablePrefixCaching: enablePrefixCaching)
    }

    /// Whether full blocks are shared between requests by content.
    public var enablePrefixCaching: Bool { blockPool.enablePrefixCaching }

    /// The fraction of usable blocks held by requests, in [0, 1].
    public var usage: Double { blockPool.usage }

    /// The number of blocks that can be handed out now.
    public var numFreeBlocks: Int { blockPool.numFreeBlocks }

    /// The request's block table, in token order; empty for an unknown request.
    public func blockIDs(requestID: RequestID) -> [BlockID] {
        requests[requestID]?.blockIDs ?? []
    }

    /// Finds the longest prefix of `tokenIDs` whose full blocks are cached.
    ///
    /// The prompt's last token is always recomputed so that the step has logits to sample from,
    /// so only blocks lying wholly within the first `tokenIDs.count - 1` tokens can hit: a
    /// 512-token prompt with block size 16 hits at most 31 blocks (496 tokens). The blocks are not
    /// yet held; pass them to ``allocateSlots(requestID:tokenIDs:numComputedTokens:numNewTokens:newComputedBlocks:)``
    /// before any other allocation. Off, this returns no blocks and counts nothing.
    public mutating func getComputedBlocks(
        requestID: RequestID, tokenIDs: [Int], extraKeys: BlockHashExtraKeys = .none
    ) -> (blocks: KVCacheBlocks, numComputedTokens: Int) {
        guard enablePrefixCaching else { return (.empty, 0) }
        var request = requests[requestID] ?? RequestBlocks(extraKeys: extraKeys)
        extendHashes(&request, tokenIDs: tokenIDs, numFullBlocks: capacity.fullBlocks(inTokens: tokenIDs.count))
        requests[requestID] = request

        let maxHitBlocks = capacity.fullBlocks(inTokens: tokenIDs.count - 1)
        var hits: [BlockID] = []
        for hash in request.blockHashes.prefix(maxHitBlocks) {
            guard let block = blockPool.getCachedBlock(hash) else { break }
            hits.append(block)
        }
        let numComputedTokens = hits.count * blockSize
        prefixCacheStats.requests += 1
        prefixCacheStats.queries += tokenIDs.count
        prefixCacheStats.hits += numComputedTokens
        return (KVCacheBlocks(hits), numComputedTokens)
    }

    /// Whether ``allocateSlots(requestID:tokenIDs:numComputedTokens:numNewTokens:newComputedBlocks:)``
    /// with the same arguments would succeed.
    ///
    /// `numComputedTokens` counts the tokens the request computed before, excluding
    /// `newComputedBlocks`. Cache hits that sit free are counted as taken from the free pool.
    public func canAllocate(
        requestID: RequestID, numComputedTokens: Int, numNewTokens: Int,
        newComputedBlocks: KVCacheBlocks = .empty
    ) -> Bool {
        let numHeld = requests[requestID]?.blockIDs.count ?? 0
        let numTokens = numComputedTokens + newComputedBlocks.count * blockSize + numNewTokens
        let numRequired = capacity.blocksNeeded(forTokens: numTokens)
        let numNewBlocks = max(0, numRequired - numHeld - newComputedBlocks.count)
        let numFreeHits = newComputedBlocks.blockIDs.filter { blockPool[$0].refCount == 0 }.count
        return numNewBlocks <= blockPool.numFreeBlocks - numFreeHits
    }

    /// Gives the request the cache hits and enough new blocks for `numNewTokens` more tokens,
    /// then caches its newly full blocks; returns the new blocks, or `nil` (changing nothing) when
    /// too few blocks are free.
    ///
    /// `tokenIDs` holds all the request's tokens so far (prompt and output); only blocks whose
    /// tokens are all known and scheduled are cached.
    public mutating func allocateSlots(
        requestID: RequestID, tokenIDs: [Int], numComputedTokens: Int, numNewTokens: Int,
        newComputedBlocks: KVCacheBlocks = .empty, extraKeys: BlockHashExtraKeys = .none
    ) -> KVCacheBlocks? {
        guard canAllocate(
            requestID: requestID, numComputedTokens: numComputedTokens,
            numNewTokens: numNewTokens, newComputedBlocks: newComputedBlocks)
        else { return nil }
        var request = requests.removeValue(forKey: requestID) ?? RequestBlocks(extraKeys: extraKeys)
        precondition(
            newComputedBlocks.isEmpty || request.blockIDs.isEmpty,
            "cache hits are only taken before a request holds blocks")

        if enablePrefixCaching && !newComputedBlocks.isEmpty {
            // A hit that was evicted since the lookup would hand out another prompt's KV.
            for (index, block) in newComputedBlocks.blockIDs.enumerated() {
                precondition(
                    blockPool[block].blockHash == request.blockHashes[index],
                    "cache hit \(block) was evicted between getComputedBlocks and allocateSlots")
            }
            blockPool.touch(newComputedBlocks.blockIDs)
            request.numCachedBlocks = newComputedBlocks.count
        }
        request.blockIDs += newComputedBlocks.blockIDs

        let numTokens = numComputedTokens + newComputedBlocks.count * blockSize + numNewTokens
        let numRequired = capacity.blocksNeeded(forTokens: numTokens)
        let newBlocks = blockPool.getNewBlocks(max(0, numRequired - request.blockIDs.count))
        request.blockIDs += newBlocks

        if enablePrefixCaching {
            let numFullBlocks = capacity.fullBlocks(inTokens: min(numTokens, tokenIDs.count))
            extendHashes(&request, tokenIDs: tokenIDs, numFullBlocks: numFullBlocks)
            blockPool.cacheFullBlocks(
                blockIDs: request.blockIDs, blockHashes: request.blockHashes,
                numCachedBlocks: request.numCachedBlocks, numFullBlocks: numFullBlocks,
                tokenIDs: tokenIDs, blockSize: blockSize)
            request.numCachedBlocks = max(request.numCachedBlocks, numFullBlocks)
        }
        requests[requestID] = request
        return KVCacheBlocks(newBlocks)
    }

    /// Releases the request's blocks, tail first so its last blocks are evicted first, and
    /// forgets it; freed full blocks stay cached until evicted.
    public mutating func free(requestID: RequestID) {
        guard let request = requests.removeValue(forKey: requestID) else { return }
        blockPool.free(request.blockIDs.reversed())
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
