/// A GGUF model file (versions 2 and 3), memory-mapped read-only, with its metadata and tensor infos.
///
/// The layout is read and checked once, in `init`; tensor data is never copied, and the pointers
/// from `data(for:)` stay valid as long as this object is alive.
public final class GGUFFile: Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The format version, 2 or 3.
    public let version: UInt32
    /// Every metadata entry, by key.
    public let metadata: [String: GGUFValue]
    /// The tensor infos, in file order.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of the data section and of every tensor offset (`general.alignment`, default 32).
    public let alignment: Int
    /// Byte offset in the file where the data section starts; tensor offsets are relative to it.
    public let dataOffset: Int

    private let mapping: GGUFMapping
    private let tensorIndexByName: [String: Int]

    /// Maps the file at `path` and reads its layout, throwing a `GGUFError` that names the problem
    /// when the file is missing, truncated or corrupt.
    public init(path: String) throws(GGUFError) {
        let mapping = try GGUFMapping(path: path)
        var parser = GGUFParser(bytes: mapping.bytes, path: path)
        let contents = try parser.parse()
        self.path = path
        self.version = contents.version
        self.metadata = contents.metadata
        self.tensors = contents.tensors
        self.alignment = contents.alignment
        self.dataOffset = contents.dataOffset
        self.mapping = mapping
        self.tensorIndexByName = Dictionary(
            uniqueKeysWithValues: contents.tensors.enumerated().map { ($0.element.name, $0.offset) })
    }

    /// The size of the file in bytes.
    public var fileSize: Int { mapping.bytes.count }

    /// The info of the tensor called `name`, or nil when the file has none.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndexByName[name].map { tensors[$0] }
    }

    /// The start of `tensor`'s `byteCount` bytes in the mapping; valid while this file is alive.
    /// `tensor` must come from this file.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        precondition(
            tensor.offset >= 0 && tensor.byteCount >= 0
                && tensor.byteCount <= fileSize - dataOffset - tensor.offset,
            "tensor \(tensor.name) is not from GGUF file \(path)")
        // A checked tensor has at least one byte inside the file, so the mapping is not empty.
        return mapping.bytes.baseAddress! + dataOffset + tensor.offset
    }
}
