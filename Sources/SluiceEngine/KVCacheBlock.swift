/// The bookkeeping for one KV-cache block: who holds it and, once full, what it contains.
///
/// As in vLLM v1's `KVCacheBlock` (vllm/v1/core/kv_cache_utils.py), minus the linked-list
/// pointers, which live in ``FreeBlockQueue``.
public struct KVCacheBlock: Equatable, Sendable {
    /// The block's index in the pool.
    public let id: BlockID
    /// How many running requests hold this block; 0 means it sits in the free queue.
    public internal(set) var refCount: Int
    /// The chained hash of the block's tokens, set once the block is full and cached.
    ///
    /// A freed block keeps its hash, so a later request can hit it until it is evicted.
    public internal(set) var blockHash: BlockHash?
    /// The KV-cache group whose key ``blockHash`` is; only group 0's blocks are announced in KV events.
    public internal(set) var cacheGroup = 0

    /// A block nobody holds and that caches nothing.
    init(id: BlockID) {
        self.id = id
        self.refCount = 0
        self.blockHash = nil
    }
}
