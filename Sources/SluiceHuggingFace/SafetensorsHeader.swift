import Foundation

/// The JSON header of a safetensors file, read and checked against the data section's size, as the
/// format's reference reader (the `safetensors` crate's `SafeTensors::read_metadata`) checks it:
/// every dtype known, every shape's byte size equal to its `data_offsets` span, every span inside
/// the data, no two spans sharing bytes.
struct SafetensorsHeader {
    /// The `__metadata__` entry: free-form strings (e.g. `"format": "pt"`).
    let metadata: [String: String]
    /// The tensors, by data offset.
    let tensors: [SafetensorsTensor]

    /// An 8-byte length and this many bytes of JSON at most; the crate's limit is the same 100 MB.
    static let maximumLength = 100_000_000

    init(json: UnsafeRawBufferPointer, dataSize: Int, path: String) throws(SafetensorsError) {
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: Data(json))
        } catch {
            throw .invalidHeader(path: path, reason: HuggingFaceJSON.describe(error))
        }
        var tensors: [SafetensorsTensor] = []
        tensors.reserveCapacity(raw.tensors.count)
        for (name, entry) in raw.tensors {
            tensors.append(try Self.check(entry, name: name, dataSize: dataSize))
        }
        tensors.sort { ($0.offset, $0.byteCount, $0.name) < ($1.offset, $1.byteCount, $1.name) }
        for (first, second) in zip(tensors, tensors.dropFirst()) where first.offset + first.byteCount > second.offset {
            throw .overlappingTensors(first: first.name, firstEnd: first.offset + first.byteCount,
                                      second: second.name, secondStart: second.offset)
        }
        self.metadata = raw.metadata
        self.tensors = tensors
    }

    private static func check(_ entry: RawTensor, name: String, dataSize: Int) throws(SafetensorsError) -> SafetensorsTensor {
        guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
            throw .unknownDType(tensor: name, dtype: entry.dtype)
        }
        guard entry.dataOffsets.count == 2, entry.dataOffsets[0] >= 0, entry.dataOffsets[0] <= entry.dataOffsets[1] else {
            throw .invalidOffsets(tensor: name, offsets: entry.dataOffsets)
        }
        var elementCount = 1
        var shape: [Int] = []
        for dimension in entry.shape {
            guard dimension >= 0 else { throw .negativeDimension(tensor: name, shape: entry.shape) }
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: Int(dimension))
            guard !overflow else { throw .tooManyElements(tensor: name, shape: entry.shape) }
            elementCount = product
            shape.append(Int(dimension))
        }
        guard let byteCount = dtype.byteCount(elementCount: elementCount) else {
            throw .tooManyElements(tensor: name, shape: entry.shape)
        }
        let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
        guard end <= Int64(dataSize) else { throw .tensorDataPastEnd(tensor: name, end: end, dataSize: dataSize) }
        guard end - begin == Int64(byteCount) else {
            throw .sizeMismatch(tensor: name, dtype: dtype, shape: shape, expected: byteCount, actual: end - begin)
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: shape, offset: Int(begin), byteCount: byteCount)
    }
}

/// The header as JSON has it: `__metadata__` beside one object per tensor.
private struct RawHeader: Decodable {
    var metadata: [String: String] = [:]
    var tensors: [String: RawTensor] = [:]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: NameKey.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                tensors[key.stringValue] = try container.decode(RawTensor.self, forKey: key)
            }
        }
    }
}

private struct RawTensor: Decodable {
    let dtype: String
    // Signed, so that a negative number is reported as such rather than as JSON the decoder cannot read.
    let shape: [Int64]
    let dataOffsets: [Int64]

    enum CodingKeys: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }
}

/// Any key: tensor names are the header's keys.
private struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
