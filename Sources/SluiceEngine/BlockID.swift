/// The index of one fixed-size block in the paged KV-cache pool.
///
/// Block 0 is the null block: it is never handed out, so a block table may use it as padding.
public struct BlockID: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The block's index in `[numBlocks, blockSize, numKVHeads, headDim]`.
    public let rawValue: Int

    /// The reserved block that is never handed out.
    public static let null = BlockID(0)

    /// Wraps a block index.
    public init(_ rawValue: Int) {
        self.rawValue = rawValue
    }

    /// Wraps a block index written as a literal, as tests do.
    public init(integerLiteral value: Int) {
        self.rawValue = value
    }

    /// Orders blocks by index.
    public static func < (lhs: BlockID, rhs: BlockID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The index as text.
    public var description: String { String(rawValue) }
}
