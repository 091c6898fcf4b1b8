import SluiceGGUF

/// A safetensors file (`model.safetensors`), memory-mapped read-only: an 8-byte little-endian
/// header length, a JSON header, then the tensors' bytes.
///
/// The header is read and checked once, in `init`, as `GGUFFile` checks a GGUF file; tensor data is
/// never copied. `tensor(named:)` and `data(for:)` mean what `GGUFFile`'s do, so a model reads its
/// weights from either. The format does not align tensor data: a pointer from `data(for:)` is only
/// as aligned as the header length makes it (PyTorch pads the header to 8 bytes), so read it with
/// unaligned loads.
public final class SafetensorsFile: Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    /// Every tensor, by data offset.
    public let tensors: [SafetensorsTensor]
    /// Byte offset in the file where the data section starts: 8 plus the header length.
    public let dataOffset: Int

    private let mapping: GGUFMapping
    private let indexByName: [String: Int]

    /// Maps the file at `path` and checks its header, throwing a `SafetensorsError` that names the
    /// problem when the file is missing, truncated or corrupt.
    public init(path: String) throws(SafetensorsError) {
        let mapping: GGUFMapping
        do throws(GGUFError) {
            mapping = try GGUFMapping(path: path)
        } catch {
            guard case .cannotOpen(_, let reason) = error else { throw .cannotOpen(path: path, reason: error.description) }
            throw .cannotOpen(path: path, reason: reason)
        }
        let bytes = mapping.bytes
        guard bytes.count >= 8 else { throw .missingHeaderLength(path: path, fileSize: bytes.count) }
        let headerLength = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(SafetensorsHeader.maximumLength) else {
            throw .headerTooLarge(path: path, headerLength: headerLength, limit: SafetensorsHeader.maximumLength)
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .headerPastEnd(path: path, headerLength: headerLength, fileSize: bytes.count)
        }
        let dataOffset = 8 + Int(headerLength)
        let header = try SafetensorsHeader(json: UnsafeRawBufferPointer(rebasing: bytes[8..<dataOffset]),
                                           dataSize: bytes.count - dataOffset, path: path)
        self.path = path
        self.metadata = header.metadata
        self.tensors = header.tensors
        self.dataOffset = dataOffset
        self.mapping = mapping
        self.indexByName = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($0.element.name, $0.offset) })
    }

    /// The size of the file in bytes.
    public var fileSize: Int { mapping.bytes.count }

    /// The tensor called `name` as the header describes it, whatever its dtype.
    public func entry(named name: String) -> SafetensorsTensor? {
        indexByName[name].map { tensors[$0] }
    }

    /// The info of the tensor called `name`, as `GGUFFile.tensor(named:)` gives it (dimensions
    /// innermost first); nil when there is none, or when it cannot be one (see `checkedTensor`).
    public func tensor(named name: String) -> GGUFTensorInfo? {
        try? checkedTensor(named: name)
    }

    /// The info of the tensor called `name`, or an error saying why there is none: missing, a dtype
    /// other than F32/F16/BF16, or a shape a GGUF tensor cannot have.
    public func checkedTensor(named name: String) throws(SafetensorsError) -> GGUFTensorInfo {
        guard let entry = entry(named: name) else { throw .missingTensor(name: name, path: path) }
        return try entry.ggufInfo()
    }

    /// The start of `tensor`'s `byteCount` bytes in the mapping; valid while this file is alive.
    /// `tensor` must come from this file.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        precondition(
            tensor.offset >= 0 && tensor.byteCount >= 0 && tensor.byteCount <= fileSize - dataOffset - tensor.offset,
            "tensor \(tensor.name) is not from safetensors file \(path)")
        return mapping.bytes.baseAddress! + dataOffset + tensor.offset
    }
}
