/// A change to the set of blocks the prefix cache can hit, as vLLM's KV-cache events
/// (vllm/distributed/kv_events.py) report it to routers that route on the real cache (llm-d's
/// KV indexer, vLLM's router): a run of full blocks became cached, cached blocks were evicted, or
/// the whole cache was reset. A subscriber that applies them in order holds the engine's set.
public enum KVCacheEvent: Sendable, Equatable {
    /// Full blocks, in prompt order, now cached: `blockHashes[0]`'s parent is `parentBlockHash`
    /// (nil for a prompt's first block), each later block's parent the one before it;
    /// `tokenIDs` holds `blockSize` tokens per block.
    case blockStored(blockHashes: [BlockHash], parentBlockHash: BlockHash?, tokenIDs: [Int], blockSize: Int)
    /// Cached blocks evicted, their hashes no longer hits.
    case blockRemoved(blockHashes: [BlockHash])
    /// Every cached block forgotten.
    case allBlocksCleared
}

/// Where the engine hands each step's ``KVCacheEvent``s, on the step thread; an implementation
/// must return at once (queue them, drop them), never wait on a subscriber.
public protocol KVEventSink: Sendable {
    /// Takes one step's events, in the order they happened; never empty.
    func publish(_ events: [KVCacheEvent])
}
