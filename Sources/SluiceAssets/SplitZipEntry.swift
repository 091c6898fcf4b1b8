/// An entry of a zip archive split into pieces, found in the concatenation of some of its pieces.
public struct SplitZipEntry: Sendable, Equatable {
    /// The entry's name in the archive, which its local header must carry.
    public let name: String
    /// Where the entry's local header starts in the concatenated members.
    public let localHeaderOffset: UInt64

    public init(name: String, localHeaderOffset: UInt64) {
        self.name = name
        self.localHeaderOffset = localHeaderOffset
    }
}
