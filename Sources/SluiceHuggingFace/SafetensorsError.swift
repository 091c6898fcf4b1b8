/// Why a safetensors file (or a sharded checkpoint) could not be read, or one of its tensors used.
/// Each message names the file, the tensor and the numbers involved.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, inspected or memory-mapped.
    case cannotOpen(path: String, reason: String)
    /// The file is shorter than the 8-byte header length.
    case missingHeaderLength(path: String, fileSize: Int)
    /// The header length is larger than the reader accepts.
    case headerTooLarge(path: String, headerLength: UInt64, limit: Int)
    /// The header runs past the end of the file.
    case headerPastEnd(path: String, headerLength: UInt64, fileSize: Int)
    /// The header is not the JSON object the format describes; the reason says where.
    case invalidHeader(path: String, reason: String)
    /// A tensor names a dtype the format does not define.
    case unknownDType(tensor: String, dtype: String)
    /// A tensor's `data_offsets` are not two offsets in order.
    case invalidOffsets(tensor: String, offsets: [Int64])
    /// The product of a tensor's shape, or its size in bytes, does not fit in 64 bits.
    case tooManyElements(tensor: String, shape: [Int64])
    /// A tensor's shape has a negative dimension.
    case negativeDimension(tensor: String, shape: [Int64])
    /// A tensor's data range does not hold exactly the bytes its dtype and shape need.
    case sizeMismatch(tensor: String, dtype: SafetensorsDType, shape: [Int], expected: Int, actual: Int64)
    /// A tensor's data range ends past the end of the file.
    case tensorDataPastEnd(tensor: String, end: Int64, dataSize: Int)
    /// Two tensors' data ranges share bytes (offsets are relative to the data section).
    case overlappingTensors(first: String, firstEnd: Int, second: String, secondStart: Int)
    /// No tensor of that name in the file or checkpoint.
    case missingTensor(name: String, path: String)
    /// The tensor's dtype is valid but not one Sluice computes with (F32, F16, BF16).
    case unsupportedDType(tensor: String, dtype: SafetensorsDType)
    /// The tensor has more than the four dimensions a `GGUFTensorInfo` holds, or none with data.
    case unsupportedShape(tensor: String, shape: [Int])
    /// `model.safetensors.index.json` is not what the format describes; the reason says how.
    case invalidIndex(path: String, reason: String)
    /// The index maps a tensor to a shard that does not hold it.
    case tensorNotInShard(tensor: String, shard: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open safetensors file \(path): \(reason)"
        case .missingHeaderLength(let path, let fileSize):
            "not a safetensors file: \(path) has \(fileSize) bytes, fewer than the 8-byte header length"
        case .headerTooLarge(let path, let headerLength, let limit):
            "safetensors file corrupt: \(path) declares a header of \(headerLength) bytes, over the \(limit)-byte limit"
        case .headerPastEnd(let path, let headerLength, let fileSize):
            "safetensors file truncated or corrupt: \(path) declares a header of \(headerLength) bytes, past the end of the file (\(fileSize) bytes)"
        case .invalidHeader(let path, let reason):
            "safetensors file corrupt: the JSON header of \(path) is invalid: \(reason)"
        case .unknownDType(let tensor, let dtype):
            "safetensors file corrupt or too new: tensor \(tensor) has unknown dtype \"\(dtype)\""
        case .invalidOffsets(let tensor, let offsets):
            "safetensors file corrupt: tensor \(tensor) has data_offsets \(offsets); expected [begin, end] with begin <= end"
        case .tooManyElements(let tensor, let shape):
            "safetensors file corrupt: tensor \(tensor) with shape \(shape) has more elements or bytes than fit in 64 bits"
        case .negativeDimension(let tensor, let shape):
            "safetensors file corrupt: tensor \(tensor) has shape \(shape), with a negative dimension"
        case .sizeMismatch(let tensor, let dtype, let shape, let expected, let actual):
            "safetensors file corrupt: tensor \(tensor) (\(dtype.rawValue) \(shape)) needs \(expected) bytes but its data_offsets span \(actual)"
        case .tensorDataPastEnd(let tensor, let end, let dataSize):
            "safetensors file truncated: tensor \(tensor) data ends at offset \(end), past the \(dataSize) bytes after the header"
        case .overlappingTensors(let first, let firstEnd, let second, let secondStart):
            "safetensors file corrupt: tensor \(second) data starts at offset \(secondStart), inside tensor \(first), which ends at offset \(firstEnd)"
        case .missingTensor(let name, let path):
            "no tensor \(name) in \(path)"
        case .unsupportedDType(let tensor, let dtype):
            "tensor \(tensor) is \(dtype.rawValue); Sluice computes with F32, F16 and BF16 safetensors only"
        case .unsupportedShape(let tensor, let shape):
            "tensor \(tensor) has shape \(shape); Sluice uses tensors of 1 to 4 dimensions with at least one element"
        case .invalidIndex(let path, let reason):
            "sharded checkpoint index \(path) is invalid: \(reason)"
        case .tensorNotInShard(let tensor, let shard):
            "the checkpoint index maps tensor \(tensor) to \(shard), which has no such tensor"
        }
    }
}
