/// Why a GGUF file could not be read. Each message names the key, tensor and byte offset involved.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, inspected or memory-mapped.
    case cannotOpen(path: String, reason: String)
    /// The file does not start with the bytes "GGUF".
    case badMagic(path: String, found: [UInt8])
    /// The header's version is not 2 or 3.
    case unsupportedVersion(UInt32)
    /// The version reads as 2 or 3 only when byte-swapped: a big-endian file.
    case bigEndian(version: UInt32)
    /// A read of `byteCount` bytes of `item` at byte `offset` runs past the end of the file.
    case truncated(item: String, offset: Int, byteCount: Int, fileSize: Int)
    /// A count or length read at `offset` could not fit in the bytes left in the file.
    case countTooLarge(item: String, count: UInt64, offset: Int, bytesLeft: Int)
    /// A metadata value type code outside the format's 0...12.
    case unknownValueType(item: String, type: UInt32, offset: Int)
    /// Arrays nested deeper than the reader allows.
    case arrayNestingTooDeep(key: String, offset: Int, limit: Int)
    /// A metadata key that appears twice.
    case duplicateKey(String, offset: Int)
    /// `general.alignment` is not an integer power of two from 1 to 2^30.
    case invalidAlignment(found: String)
    /// Two tensors with the same name.
    case duplicateTensor(String, offset: Int)
    /// A tensor with no dimensions or more than four.
    case invalidDimensionCount(tensor: String, count: UInt32, offset: Int)
    /// A dimension that is zero, or negative when read as ggml's `int64_t`.
    case invalidDimension(tensor: String, index: Int, value: UInt64, offset: Int)
    /// The product of a tensor's dimensions, or its size in bytes, overflows.
    case tooManyElements(tensor: String, dimensions: [Int])
    /// A ggml type number that no ggml version defines (or that ggml removed).
    case unknownTensorType(tensor: String, type: UInt32, offset: Int)
    /// A row length (`dimensions[0]`) that is not a whole number of the type's blocks.
    case partialBlock(tensor: String, rowLength: Int, type: GGMLType)
    /// A tensor's offset in the data section that is not a multiple of the file's alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's data range ends past the end of the file.
    case tensorDataPastEnd(tensor: String, end: UInt64, fileSize: Int)
    /// Two tensors' data ranges share bytes; offsets are relative to the data section.
    case overlappingTensors(first: String, firstEnd: Int, second: String, secondStart: Int)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open GGUF file \(path): \(reason)"
        case .badMagic(let path, let found):
            "not a GGUF file: \(path) starts with bytes \(Self.hex(found)), expected \"GGUF\" (47 47 55 46)"
        case .unsupportedVersion(let version):
            "unsupported GGUF version \(version) (at byte 4); Sluice reads versions 2 and 3, so convert the model with a current llama.cpp"
        case .bigEndian(let version):
            "GGUF file is big-endian (version field at byte 4 reads \(version.byteSwapped) byte-swapped); Sluice reads little-endian files only"
        case .truncated(let item, let offset, let byteCount, let fileSize):
            "GGUF file truncated: \(item) needs \(Self.bytes(byteCount)) at byte \(offset), past end of file (\(fileSize) bytes)"
        case .countTooLarge(let item, let count, let offset, let bytesLeft):
            "GGUF file corrupt or truncated: \(item) at byte \(offset) is \(count), which cannot fit in the \(Self.bytes(bytesLeft)) left in the file"
        case .unknownValueType(let item, let type, let offset):
            "GGUF file corrupt: \(item) at byte \(offset) has unknown value type \(type) (valid types are 0...12)"
        case .arrayNestingTooDeep(let key, let offset, let limit):
            "GGUF file corrupt: metadata key '\(key)' nests arrays more than \(limit) deep (at byte \(offset))"
        case .duplicateKey(let key, let offset):
            "GGUF file corrupt: metadata key '\(key)' appears twice (again at byte \(offset))"
        case .invalidAlignment(let found):
            "GGUF file corrupt: general.alignment must be a power of two from 1 to 2^30, found \(found)"
        case .duplicateTensor(let name, let offset):
            "GGUF file corrupt: tensor \(name) appears twice (again at byte \(offset))"
        case .invalidDimensionCount(let tensor, let count, let offset):
            "GGUF file corrupt: tensor \(tensor) has \(count) dimensions (at byte \(offset)); a tensor has 1 to 4"
        case .invalidDimension(let tensor, let index, let value, let offset):
            "GGUF file corrupt: tensor \(tensor) dimension \(index) is \(Self.signed(value)) (at byte \(offset)); dimensions must be at least 1"
        case .tooManyElements(let tensor, let dimensions):
            "GGUF file corrupt: tensor \(tensor) with dimensions \(dimensions) has more elements or bytes than fit in 64 bits"
        case .unknownTensorType(let tensor, let type, let offset):
            "GGUF file corrupt or too new: tensor \(tensor) has unknown ggml type \(type) (at byte \(offset))"
        case .partialBlock(let tensor, let rowLength, let type):
            "GGUF file corrupt: tensor \(tensor) has rows of \(rowLength) elements, not a multiple of \(type.name)'s block size \(type.blockSize)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            "GGUF file corrupt: tensor \(tensor) data offset \(offset) is not a multiple of the file's alignment \(alignment)"
        case .tensorDataPastEnd(let tensor, let end, let fileSize):
            "GGUF file truncated: tensor \(tensor) data ends at byte \(end) past end of file (\(fileSize) bytes)"
        case .overlappingTensors(let first, let firstEnd, let second, let secondStart):
            "GGUF file corrupt: tensor \(second) data starts at offset \(secondStart) of the data section, inside tensor \(first), which ends at offset \(firstEnd)"
        }
    }

    private static func bytes(_ count: Int) -> String {
        count == 1 ? "1 byte" : "\(count) bytes"
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }

    /// ggml reads dimensions as `int64_t`, so a huge value is shown as the negative number ggml would see.
    private static func signed(_ value: UInt64) -> String {
        value > UInt64(Int64.max) ? String(Int64(bitPattern: value)) : String(value)
    }
}
