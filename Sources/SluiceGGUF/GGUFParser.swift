/// What a GGUF file holds once its layout has been read and checked; the tensor data stays in the file.
struct GGUFContents {
    var version: UInt32
    var metadata: [String: GGUFValue]
    var tensors: [GGUFTensorInfo]
    var alignment: Int
    /// Byte offset in the file of the data section, the base of every tensor's `offset`.
    var dataOffset: Int
}

/// Reads the GGUF layout (header, metadata, tensor infos) from a file's bytes, as ggml's `gguf.cpp` does.
///
/// Every read is checked against the end of the bytes before it happens, and every count is checked
/// against the bytes left before anything is allocated for it, so damaged input yields a `GGUFError`
/// that names the item and offset, and never a crash or an out-of-bounds read.
struct GGUFParser {
    /// Arrays of arrays deeper than this are refused, so that a crafted file cannot exhaust the stack.
    static let maximumArrayDepth = 16
    /// The data alignment when `general.alignment` is absent.
    static let defaultAlignment = 32
    /// The fewest bytes of one metadata entry: key length, value type, a one-byte value.
    static let minimumMetadataEntrySize = 8 + 4 + 1
    /// The fewest bytes of one tensor info: name length, dimension count, one dimension, type, offset.
    static let minimumTensorInfoSize = 8 + 4 + 8 + 4 + 8

    let bytes: UnsafeRawBufferPointer
    let path: String
    var position = 0

    /// The thing being read, named in error messages; its text is built only when an error is thrown.
    enum Item: CustomStringConvertible {
        case magic, version, tensorCount, metadataCount
        case key(index: Int)
        case valueType(key: String)
        case value(key: String)
        case tensorName(index: Int)
        case tensorField(String, tensor: String)

        var description: String {
            switch self {
            case .magic: "magic"
            case .version: "version"
            case .tensorCount: "tensor count"
            case .metadataCount: "metadata entry count"
            case .key(let index): "key of metadata entry \(index)"
            case .valueType(let key): "value type of metadata key '\(key)'"
            case .value(let key): "value of metadata key '\(key)'"
            case .tensorName(let index): "name of tensor info \(index)"
            case .tensorField(let field, let tensor): "\(field) of tensor \(tensor)"
            }
        }
    }

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// Reads and checks the whole layout.
    mutating func parse() throws(GGUFError) -> GGUFContents {
        let version = try readMagicAndVersion()
        let tensorCount = try readUInt64(.tensorCount)
        let metadataCount = try readUInt64(.metadataCount)
        try checkCount(metadataCount, .metadataCount, at: 16, minimumEntrySize: Self.minimumMetadataEntrySize)
        let metadata = try readMetadata(count: Int(metadataCount))
        let alignment = try Self.alignment(in: metadata)
        // Checked only now, against the bytes left after the metadata, so that a file truncated inside
        // the metadata is reported at the item where it ends.
        try checkCount(tensorCount, .tensorCount, at: 8, minimumEntrySize: Self.minimumTensorInfoSize)
        let rawTensors = try readTensorInfos(count: Int(tensorCount), alignment: alignment)
        // The data section starts at the first multiple of the alignment after the tensor infos.
        let dataOffset = (position + alignment - 1) / alignment * alignment
        let tensors = try checkDataRanges(rawTensors, dataOffset: dataOffset)
        return GGUFContents(
            version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataOffset: dataOffset)
    }

    // MARK: Header

    private mutating func readMagicAndVersion() throws(GGUFError) -> UInt32 {
        let magicOffset = try take(4, .magic)
        let magic = Array(bytes[magicOffset..<magicOffset + 4])
        guard magic == Array("GGUF".utf8) else { throw .badMagic(path: path, found: magic) }
        let version = try readUInt32(.version)
        guard version == 2 || version == 3 else {
            let swapped = version.byteSwapped
            throw swapped == 2 || swapped == 3 ? .bigEndian(version: version) : .unsupportedVersion(version)
        }
        return version
    }

    /// Rejects a count (read at `offset`) when that many entries of at least `minimumEntrySize` bytes
    /// could not fit in the rest of the file, before anything is allocated for them.
    private func checkCount(_ count: UInt64, _ item: Item, at offset: Int, minimumEntrySize: Int) throws(GGUFError) {
        let bytesLeft = bytes.count - position
        guard count <= UInt64(bytesLeft / minimumEntrySize) else {
            throw .countTooLarge(item: item.description, count: count, offset: offset, bytesLeft: bytesLeft)
        }
    }

    // MARK: Metadata

    private mutating func readMetadata(count: Int) throws(GGUFError) -> [String: GGUFValue] {
        var metadata: [String: GGUFValue] = [:]
        metadata.reserveCapacity(count)
        for index in 0..<count {
            let keyOffset = position
            let key = try readString(.key(index: index))
            let type = try readValueType(.valueType(key: key))
            let value = try readValue(of: type, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw .duplicateKey(key, offset: keyOffset)
            }
        }
        return metadata
    }

    private static func alignment(in metadata: [String: GGUFValue]) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard let alignment = value.intValue else {
            throw .invalidAlignment(found: "a \(value.typeName) value")
        }
        // The upper bound keeps the arithmetic on offsets far from overflow.
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= 1 << 30 else {
            throw .invalidAlignment(found: String(alignment))
        }
        return alignment
    }

    private mutating func readValueType(_ item: Item) throws(GGUFError) -> GGUFValueType {
        let offset = position
        let raw = try readUInt32(item)
        guard let type = GGUFValueType(rawValue: raw) else {
            throw .unknownValueType(item: item.description, type: raw, offset: offset)
        }
        return type
    }

    private mutating func readValue(of type: GGUFValueType, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let item = Item.value(key: key)
        switch type {
        case .uint8: return .uint8(try readUInt8(item))
        case .int8: return .int8(Int8(bitPattern: try readUInt8(item)))
        case .uint16: return .uint16(try readUInt16(item))
        case .int16: return .int16(Int16(bitPattern: try readUInt16(item)))
        case .uint32: return .uint32(try readUInt32(item))
        case .int32: return .int32(Int32(bitPattern: try readUInt32(item)))
        case .float32: return .float32(Float(bitPattern: try readUInt32(item)))
        case .bool: return .bool(try readUInt8(item) != 0)
        case .string: return .string(try readString(item))
        case .uint64: return .uint64(try readUInt64(item))
        case .int64: return .int64(Int64(bitPattern: try readUInt64(item)))
        case .float64: return .float64(Double(bitPattern: try readUInt64(item)))
        case .array: return .array(try readArray(key: key, depth: depth))
        }
    }

    private mutating func readArray(key: String, depth: Int) throws(GGUFError) -> [GGUFValue] {
        let start = position
        guard depth < Self.maximumArrayDepth else {
            throw .arrayNestingTooDeep(key: key, offset: start, limit: Self.maximumArrayDepth)
        }
        let elementType = try readValueType(.valueType(key: key))
        let countOffset = position
        let count = try readUInt64(.value(key: key))
        let bytesLeft = bytes.count - position
        guard count <= UInt64(bytesLeft / elementType.minimumEncodedSize) else {
            throw .countTooLarge(
                item: "array length in value of metadata key '\(key)'", count: count, offset: countOffset,
                bytesLeft: bytesLeft)
        }
        var elements: [GGUFValue] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<Int(count) {
            elements.append(try readValue(of: elementType, key: key, depth: depth + 1))
        }
        return elements
    }

    // MARK: Primitive reads

    /// Claims the next `count` bytes and returns their offset, or throws when the file ends first.
    mutating func take(_ count: Int, _ item: Item) throws(GGUFError) -> Int {
        guard count <= bytes.count - position else {
            throw .truncated(item: item.description, offset: position, byteCount: count, fileSize: bytes.count)
        }
        defer { position += count }
        return position
    }

    mutating func readUInt8(_ item: Item) throws(GGUFError) -> UInt8 {
        bytes[try take(1, item)]
    }

    mutating func readUInt16(_ item: Item) throws(GGUFError) -> UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(2, item), as: UInt16.self))
    }

    mutating func readUInt32(_ item: Item) throws(GGUFError) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(4, item), as: UInt32.self))
    }

    mutating func readUInt64(_ item: Item) throws(GGUFError) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(8, item), as: UInt64.self))
    }

    /// Reads a GGUF string (`uint64` length, then UTF-8 bytes) straight from the mapped bytes.
    /// Invalid UTF-8 is repaired with U+FFFD rather than refused, as other GGUF readers do.
    mutating func readString(_ item: Item) throws(GGUFError) -> String {
        let lengthOffset = position
        let length = try readUInt64(item)
        let bytesLeft = bytes.count - position
        guard length <= UInt64(bytesLeft) else {
            throw .countTooLarge(
                item: "string length in \(item)", count: length, offset: lengthOffset, bytesLeft: bytesLeft)
        }
        let start = try take(Int(length), item)
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(length)]), as: UTF8.self)
    }
}
