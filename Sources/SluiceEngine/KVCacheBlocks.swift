/// An opaque list of KV-cache blocks handed between the cache manager and the scheduler: one table
/// per KV-cache group, all of one length.
///
/// As in vLLM v1's `KVCacheBlocks`: the scheduler passes these back to ``KVCacheManager`` and
/// reads block ids for block tables, but never edits reference counts or hashes itself.
public struct KVCacheBlocks: Equatable, Sendable {
    /// The blocks of each group, in the order of the request's token positions; a sliding-window
    /// group's entries before its window are the null block.
    public let tables: [[BlockID]]

    /// No blocks.
    public static let empty = KVCacheBlocks(tables: [])

    /// One group's blocks.
    init(_ blockIDs: [BlockID]) {
        self.tables = [blockIDs]
    }

    init(tables: [[BlockID]]) {
        self.tables = tables
    }

    /// The first group's blocks (the only group's, for most models).
    public var blockIDs: [BlockID] { tables.first ?? [] }

    /// The number of blocks in each group's table.
    public var count: Int { blockIDs.count }

    /// Whether there are no blocks.
    public var isEmpty: Bool { count == 0 }

    /// Every block that is not the null block, in all groups.
    var heldBlockIDs: [BlockID] { tables.flatMap { $0.filter { $0 != .null } } }
}
