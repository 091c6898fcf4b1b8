/// An opaque list of KV-cache blocks handed between the cache manager and the scheduler.
///
/// As in vLLM v1's `KVCacheBlocks`: the scheduler passes these back to ``KVCacheManager`` and
/// reads block ids for block tables, but never edits reference counts or hashes itself.
public struct KVCacheBlocks: Equatable, Sendable {
    /// The blocks, in the order of the request's token positions.
    public let blockIDs: [BlockID]

    /// No blocks.
    public static let empty = KVCacheBlocks([])

    init(_ blockIDs: [BlockID]) {
        self.blockIDs = blockIDs
    }

    /// The number of blocks.
    public var count: Int { blockIDs.count }

    /// Whether there are no blocks.
    public var isEmpty: Bool { blockIDs.isEmpty }
}
