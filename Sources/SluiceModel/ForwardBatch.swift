/// One step's worth of tokens for a forward pass: a flat batch of tokens from any number of
/// sequences, mixing prompt chunks and decode tokens (ARCHITECTURE.md, decisions 1 and 2).
public struct ForwardBatch: Sendable {
    /// [numTokens] the token ids to run.
    public var tokenIDs: [Int32]
    /// [numTokens] each token's position in its sequence; it attends to positions `0...position`.
    public var positions: [Int32]
    /// [numTokens, numKVGroups] the KV slot (`blockID * blockSize + offset`) each token's K/V is written
    /// to, in each KV-cache group (``KVCacheLayout``); with one group, one slot per token.
    public var slotMapping: [Int64]
    /// [numTokens] the row of `blockTables` that holds each token's sequence.
    public var sequenceIndices: [Int32]
    /// [numSequences, numKVGroups, maxBlocksPerSequence] block ids, row-major; unused entries are 0 (the
    /// null block), and so are a sliding-window group's blocks that fell out of the window.
    public var blockTables: [Int32]
    public var maxBlocksPerSequence: Int
    /// The KV-cache groups every sequence has a block table in: the model's ``KVCacheLayout``'s.
    public var numKVGroups: Int
    /// Indices into the batch of the tokens whose next-token logits are wanted, in output row order.
    public var logitIndices: [Int32]

    public init(tokenIDs: [Int32], positions: [Int32], slotMapping: [Int64], sequenceIndices: [Int32],
                blockTables: [Int32], maxBlocksPerSequence: Int, logitIndices: [Int32], numKVGroups: Int = 1) {
        self.tokenIDs = tokenIDs
        self.positions = positions
        self.slotMapping = slotMapping
        self.sequenceIndices = sequenceIndices
        self.blockTables = blockTables
        self.maxBlocksPerSequence = maxBlocksPerSequence
        self.logitIndices = logitIndices
        self.numKVGroups = numKVGroups
    }

    public var numTokens: Int { tokenIDs.count }

    /// A batch of one sequence whose blocks are `blockTable`: tokens at positions `start..<start+tokens.count`,
    /// with logits for the last token only, or for every token when `allLogits`.
    public static func singleSequence(tokens: [Int32], startPosition start: Int, blockTable: [Int32],
                                      blockSize: Int, allLogits: Bool = false) -> ForwardBatch {
        singleSequence(tokens: tokens, startPosition: start, blockTables: [blockTable], blockSize: blockSize,
                       allLogits: allLogits)
    }

    /// A batch of one sequence with a block table per KV-cache group (all of one length).
    public static func singleSequence(tokens: [Int32], startPosition start: Int, blockTables: [[Int32]],
                                      blockSize: Int, allLogits: Bool = false) -> ForwardBatch {
        precondition(!blockTables.isEmpty && blockTables.allSatisfy { $0.count == blockTables[0].count },
                     "one block table per group, all of one length")
        let positions = (0..<tokens.count).map { Int32(start + $0) }
        let slots = positions.flatMap { position in
            blockTables.map { table -> Int64 in
                let block = Int(position) / blockSize
                let blockID = block < table.count ? Int64(table[block]) : -1
                return blockID < 0 ? -1 : blockID * Int64(blockSize) + Int64(Int(position) % blockSize)
            }
        }
        let logits = allLogits ? (0..<tokens.count).map { Int32($0) } : (tokens.isEmpty ? [] : [Int32(tokens.count - 1)])
        return ForwardBatch(tokenIDs: tokens, positions: positions, slotMapping: slots,
                            sequenceIndices: [Int32](repeating: 0, count: tokens.count),
                            blockTables: blockTables.flatMap { $0 }, maxBlocksPerSequence: blockTables[0].count,
                            logitIndices: logits, numKVGroups: blockTables.count)
    }

    /// Block tables for one sequence of `numBlocks` blocks in each of `numGroups` groups, the groups
    /// on disjoint blocks `1...numGroups * numBlocks` (tests and tools that run a sequence alone).
    public static func disjointBlockTables(numGroups: Int, numBlocks: Int) -> [[Int32]] {
        (0..<numGroups).map { group in (1...max(1, numBlocks)).map { Int32(group * numBlocks + $0) } }
    }
}
