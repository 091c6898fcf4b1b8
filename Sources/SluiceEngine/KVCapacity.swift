/// What a KV pool of `numBlocks` blocks of `blockSize` tokens holds: the one place for the
/// arithmetic between tokens, blocks, bytes and sequences (ARCHITECTURE.md, decision 2).
///
/// As vLLM's `cdiv(num_tokens, block_size)` and its start-up line "Maximum concurrency for N tokens
/// per request": the scheduler, the KV manager, the engine options, the server's default
/// `max_tokens` and the command line all ask this type instead of redoing the division.
public struct KVCapacity: Sendable, Equatable {
    /// Blocks in the pool, the null block included.
    public let numBlocks: Int
    /// Tokens per block.
    public let blockSize: Int
    /// The sliding window of each KV-cache group that draws on the pool (nil: full attention): a
    /// sequence holds blocks in every group, but a sliding group only a window's worth.
    public let groupWindows: [Int?]

    public init(numBlocks: Int, blockSize: Int, groupWindows: [Int?] = [nil]) {
        precondition(blockSize > 0, "block size must be positive")
        precondition(!groupWindows.isEmpty, "a KV cache has at least one group")
        self.numBlocks = numBlocks
        self.blockSize = blockSize
        self.groupWindows = groupWindows
    }

    /// The pool that fits in `memory` bytes when one token's K and V over all layers take
    /// `bytesPerToken` bytes; fewer than 2 blocks is an unusable pool, which
    /// ``SchedulerConfig/validate()`` refuses.
    public init(memory: Int, bytesPerToken: Int, blockSize: Int) {
        let bytesPerBlock = Self.bytesPerBlock(bytesPerToken: bytesPerToken, blockSize: blockSize)
        self.init(numBlocks: max(0, memory) / max(1, bytesPerBlock), blockSize: blockSize)
    }

    /// Bytes of one block: `blockSize` tokens of `bytesPerToken` each.
    public static func bytesPerBlock(bytesPerToken: Int, blockSize: Int) -> Int {
        bytesPerToken * blockSize
    }

    /// Bytes a pool of `numBlocks` blocks takes, the null block included.
    public func bytes(bytesPerToken: Int) -> Int {
        numBlocks * Self.bytesPerBlock(bytesPerToken: bytesPerToken, blockSize: blockSize)
    }

    /// The memory a pool needs to hold one sequence of `numTokens` tokens in each of `numGroups`
    /// KV-cache groups, with the null block.
    public static func memory(forTokens numTokens: Int, bytesPerToken: Int, blockSize: Int, numGroups: Int = 1) -> Int {
        let capacity = KVCapacity(numBlocks: 1, blockSize: blockSize)
        return (numGroups * capacity.blocksNeeded(forTokens: numTokens) + 1) * bytesPerBlock(bytesPerToken: bytesPerToken, blockSize: blockSize)
    }

    /// Blocks a request may hold: all but the null block.
    public var numUsableBlocks: Int { max(0, numBlocks - 1) }

    /// Token slots in the usable blocks.
    public var numUsableSlots: Int { numUsableBlocks * blockSize }

    /// Blocks that `numTokens` tokens of KV fill, the last one perhaps in part.
    public func blocksNeeded(forTokens numTokens: Int) -> Int {
        (max(0, numTokens) + blockSize - 1) / blockSize
    }

    /// Full blocks in `numTokens` tokens: the ones that can be hashed and shared.
    public func fullBlocks(inTokens numTokens: Int) -> Int {
        max(0, numTokens) / blockSize
    }

    /// Blocks a sequence of `numTokens` tokens holds at most over all groups, while steps of up to
    /// `chunkTokens` tokens run: all its blocks in a full-attention group, in a sliding group those
    /// the window and one step's tokens reach.
    public func blocksHeld(forTokens numTokens: Int, chunkTokens: Int = 1) -> Int {
        let all = blocksNeeded(forTokens: numTokens)
        return groupWindows.reduce(0) { total, window in
            guard let window else { return total + all }
            return total + min(all, blocksNeeded(forTokens: window - 1 + max(1, chunkTokens)) + 1)
        }
    }

    /// Blocks a request of `numPromptTokens` and up to `maxTokens` outputs holds at most, one token a
    /// step: the last sampled token is never run, so it needs no slot.
    public func blocksNeeded(numPromptTokens: Int, maxTokens: Int) -> Int {
        blocksHeld(forTokens: numPromptTokens + maxTokens - 1)
    }

    /// The longest sequence (prompt plus outputs) the whole pool holds: its full-attention groups'
    /// share of the slots once the sliding groups have their windows, plus the last sampled token,
    /// which is never run. Unbounded (`Int.max`) when every group slides.
    public var maxSequenceLength: Int {
        let numFull = groupWindows.filter { $0 == nil }.count
        guard numFull > 0 else { return Int.max }
        let windowBlocks = groupWindows.compactMap { $0 }.reduce(0) { $0 + blocksNeeded(forTokens: $1) + 1 }
        return max(0, numUsableBlocks - windowBlocks) / numFull * blockSize + 1
    }

    /// How many sequences of `numTokens` tokens each fit in the pool at once, with no prefix shared.
    public func maxSequences(ofLength numTokens: Int) -> Int {
        numUsableBlocks / max(1, blocksHeld(forTokens: max(1, numTokens - 1)))
    }
}
