/// The free KV-cache blocks in eviction order: least recently freed at the front.
///
/// As vLLM v1's `FreeKVCacheBlockQueue` (vllm/v1/core/kv_cache_utils.py): a doubly linked list,
/// so that a prefix-cache hit can take a free block out of the middle in O(1). The links live in
/// two index arrays instead of in the blocks, one slot per block plus a sentinel that closes the
/// ring, so every operation is O(1) and nothing allocates after `init`.
public struct FreeBlockQueue: Sendable {
    /// The number of blocks in the queue.
    public private(set) var count: Int = 0
    /// `next[i]` follows block `i`; `-1` marks a block that is not in the queue.
    private var next: [Int]
    /// `previous[i]` precedes block `i`; `-1` marks a block that is not in the queue.
    private var previous: [Int]
    /// The index of the sentinel slot: its `next` is the front and its `previous` the back.
    private let sentinel: Int

    /// Makes a queue over `numBlocks` block ids holding `initialBlocks`, front first.
    public init(numBlocks: Int, initialBlocks: [BlockID]) {
        sentinel = numBlocks
        next = Array(repeating: -1, count: numBlocks + 1)
        previous = Array(repeating: -1, count: numBlocks + 1)
        next[sentinel] = sentinel
        previous[sentinel] = sentinel
        for block in initialBlocks { append(block) }
    }

    /// Whether `block` is in the queue.
    public func contains(_ block: BlockID) -> Bool {
        next[block.rawValue] != -1
    }

    /// The block that would be popped next, if any.
    public var front: BlockID? {
        next[sentinel] == sentinel ? nil : BlockID(next[sentinel])
    }

    /// Appends a block at the back, the position evicted last.
    public mutating func append(_ block: BlockID) {
        let index = block.rawValue
        precondition(!contains(block), "block \(block) is already in the free queue")
        let last = previous[sentinel]
        next[last] = index
        previous[index] = last
        next[index] = sentinel
        previous[sentinel] = index
        count += 1
    }

    /// Removes and returns the front block, or `nil` when the queue is empty.
    public mutating func popFront() -> BlockID? {
        guard let block = front else { return nil }
        remove(block)
        return block
    }

    /// Removes a block from anywhere in the queue.
    public mutating func remove(_ block: BlockID) {
        let index = block.rawValue
        precondition(contains(block), "block \(block) is not in the free queue")
        next[previous[index]] = next[index]
        previous[next[index]] = previous[index]
        next[index] = -1
        previous[index] = -1
        count -= 1
    }

    /// The queued blocks from front to back, walking the forward links.
    public var blockIDs: [BlockID] {
        var result: [BlockID] = []
        var index = next[sentinel]
        while index != sentinel && result.count <= count {
            result.append(BlockID(index))
            index = next[index]
        }
        return result
    }

    /// The queued blocks from back to front, walking the backward links; tests compare it with
    /// ``blockIDs`` to check that both directions agree.
    var blockIDsBackward: [BlockID] {
        var result: [BlockID] = []
        var index = previous[sentinel]
        while index != sentinel && result.count <= count {
            result.append(BlockID(index))
            index = previous[index]
        }
        return result
    }
}
