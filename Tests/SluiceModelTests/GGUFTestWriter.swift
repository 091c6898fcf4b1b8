import Foundation
import SluiceModel

/// Builds GGUF files byte by byte, for tests: valid files of versions 2 and 3, and, through the raw
/// hooks (`Entry.raw`, explicit tensor offsets and raw type numbers, count overrides), damaged ones.
struct GGUFTestWriter {
    /// A metadata entry's value: a well-formed value, or a raw type code followed by raw bytes.
    enum Entry {
        case value(GGUFValue)
        case raw(type: UInt32, payload: [UInt8])
    }

    /// A tensor to write. A nil `offset` places it after the previous tensor, aligned; nil `data` fills
    /// it with a byte pattern of the size its shape and type need.
    struct Tensor {
        var name: String
        var dimensions: [UInt64]
        var type: UInt32
        var offset: UInt64? = nil
        var data: [UInt8]? = nil

        init(name: String, dimensions: [UInt64], type: UInt32, offset: UInt64? = nil, data: [UInt8]? = nil) {
            self.name = name
            self.dimensions = dimensions
            self.type = type
            self.offset = offset
            self.data = data
        }

        init(name: String, dimensions: [Int], type: GGMLType, offset: UInt64? = nil, data: [UInt8]? = nil) {
            self.init(name: name, dimensions: dimensions.map(UInt64.init), type: type.rawValue, offset: offset, data: data)
        }
    }

    /// The bytes of a built file and where each section starts.
    struct Layout {
        var bytes: [UInt8]
        var tensorInfoStart: Int
        var dataStart: Int
        /// Absolute file offset of each tensor's data, in tensor order (-1 where the offset is past 16 MiB).
        var tensorDataStarts: [Int]
    }

    var version: UInt32 = 3
    var metadata: [(key: String, entry: Entry)] = []
    var tensors: [Tensor] = []
    var tensorCountOverride: UInt64? = nil
    var metadataCountOverride: UInt64? = nil

    init(version: UInt32 = 3) {
        self.version = version
    }

    mutating func add(_ key: String, _ value: GGUFValue) {
        metadata.append((key, .value(value)))
    }

    mutating func addRaw(_ key: String, type: UInt32, payload: [UInt8]) {
        metadata.append((key, .raw(type: type, payload: payload)))
    }

    mutating func add(_ tensor: Tensor) {
        tensors.append(tensor)
    }

    /// The alignment the writer pads to: `general.alignment` when it is an integer from 1 to 65536, else 32.
    var alignment: Int {
        for (key, entry) in metadata where key == "general.alignment" {
            if case .value(let value) = entry, let alignment = value.intValue, (1...65536).contains(alignment) {
                return alignment
            }
        }
        return 32
    }

    func build() -> Layout {
        var out = GGUFByteWriter()
        out.bytes += Array("GGUF".utf8)
        out.uint32(version)
        out.uint64(tensorCountOverride ?? UInt64(tensors.count))
        out.uint64(metadataCountOverride ?? UInt64(metadata.count))

        for (key, entry) in metadata {
            out.string(key)
            switch entry {
            case .value(let value):
                out.uint32(Self.typeCode(of: value))
                out.payload(of: value)
            case .raw(let type, let payload):
                out.uint32(type)
                out.bytes += payload
            }
        }

        let alignment = alignment
        let tensorInfoStart = out.bytes.count
        var offsets: [UInt64] = []
        var datas: [[UInt8]] = []
        var nextOffset: UInt64 = 0
        for (index, tensor) in tensors.enumerated() {
            let data = tensor.data ?? Self.pattern(count: Self.byteCount(of: tensor), seed: index)
            let offset = tensor.offset ?? nextOffset
            offsets.append(offset)
            datas.append(data)
            nextOffset = Self.align(offset &+ UInt64(data.count), to: alignment)

            out.string(tensor.name)
            out.uint32(UInt32(tensor.dimensions.count))
            for dimension in tensor.dimensions { out.uint64(dimension) }
            out.uint32(tensor.type)
            out.uint64(offset)
        }

        out.padZeros(to: alignment)
        let dataStart = out.bytes.count
        var tensorDataStarts: [Int] = []
        for (offset, data) in zip(offsets, datas) {
            // Explicit offsets may point anywhere; write the data only where it lands past what is
            // already written, and within 16 MiB.
            guard offset < 1 << 24 else {
                tensorDataStarts.append(-1)
                continue
            }
            let start = dataStart + Int(offset)
            tensorDataStarts.append(start)
            guard start >= out.bytes.count else { continue }
            out.bytes += [UInt8](repeating: 0, count: start - out.bytes.count)
            out.bytes += data
        }
        out.padZeros(to: alignment)
        return Layout(
            bytes: out.bytes, tensorInfoStart: tensorInfoStart, dataStart: dataStart,
            tensorDataStarts: tensorDataStarts)
    }

    static func typeCode(of value: GGUFValue) -> UInt32 {
        switch value {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }

    /// Bytes a tensor's shape needs in its type; zero when the type or shape is invalid.
    static func byteCount(of tensor: Tensor) -> Int {
        guard let type = GGMLType(rawValue: tensor.type),
              tensor.dimensions.allSatisfy({ $0 >= 1 && $0 < 1 << 20 }) else { return 0 }
        var elements = 1
        for dimension in tensor.dimensions {
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dimension))
            guard !overflow else { return 0 }
            elements = product
        }
        return type.byteCount(elementCount: elements) ?? 0
    }

    static func pattern(count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ 1) }
    }

    static func align(_ value: UInt64, to alignment: Int) -> UInt64 {
        let alignment = UInt64(alignment)
        return (value &+ alignment &- 1) / alignment * alignment
    }
}

/// Little-endian encoding of GGUF's primitives.
struct GGUFByteWriter {
    var bytes: [UInt8] = []

    mutating func uint16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func uint32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }

    mutating func string(_ value: String) {
        uint64(UInt64(value.utf8.count))
        bytes += Array(value.utf8)
    }

    mutating func padZeros(to alignment: Int) {
        let padded = Int(GGUFTestWriter.align(UInt64(bytes.count), to: alignment))
        bytes += [UInt8](repeating: 0, count: padded - bytes.count)
    }

    /// Writes a value without its type code; an array writes its element type (that of its first
    /// element, uint8 when empty), its length and its elements.
    mutating func payload(of value: GGUFValue) {
        switch value {
        case .uint8(let v): bytes.append(v)
        case .int8(let v): bytes.append(UInt8(bitPattern: v))
        case .uint16(let v): uint16(v)
        case .int16(let v): uint16(UInt16(bitPattern: v))
        case .uint32(let v): uint32(v)
        case .int32(let v): uint32(UInt32(bitPattern: v))
        case .float32(let v): uint32(v.bitPattern)
        case .bool(let v): bytes.append(v ? 1 : 0)
        case .string(let v): string(v)
        case .uint64(let v): uint64(v)
        case .int64(let v): uint64(UInt64(bitPattern: v))
        case .float64(let v): uint64(v.bitPattern)
        case .array(let elements):
            uint32(elements.first.map(GGUFTestWriter.typeCode(of:)) ?? 0)
            uint64(UInt64(elements.count))
            for element in elements { payload(of: element) }
        }
    }
}

/// A scratch directory for GGUF files written by tests, removed when the value is dropped.
final class GGUFScratchDirectory {
    let url: URL
    private var counter = 0

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` to a new file and returns its path.
    func write(_ bytes: [UInt8], name: String? = nil) throws -> String {
        counter += 1
        let file = url.appendingPathComponent(name ?? "file-\(counter).gguf")
        try Data(bytes).write(to: file)
        return file.path
    }
}

/// Writes `bytes` to a scratch file and opens it.
func openGGUF(_ bytes: [UInt8]) throws -> GGUFFile {
    let directory = try GGUFScratchDirectory()
    return try GGUFFile(path: try directory.write(bytes))
}

/// Writes `bytes` to a scratch file and returns the `GGUFError` that opening it throws, or nil.
func ggufError(_ bytes: [UInt8]) throws -> GGUFError? {
    let directory = try GGUFScratchDirectory()
    let path = try directory.write(bytes)
    do {
        _ = try GGUFFile(path: path)
        return nil
    } catch {
        return error
    }
}

extension GGUFTestWriter {
    /// A small valid model-like file: a few metadata entries and three tensors of different types.
    static func sample(version: UInt32 = 3) -> GGUFTestWriter {
        var writer = GGUFTestWriter(version: version)
        writer.add("general.architecture", .string("llama"))
        writer.add("llama.block_count", .uint32(2))
        writer.add("tokenizer.ggml.tokens", .array([.string("<s>"), .string("a"), .string("é")]))
        writer.add(Tensor(name: "token_embd.weight", dimensions: [64, 3], type: .q8_0))
        writer.add(Tensor(name: "blk.0.attn_q.weight", dimensions: [32, 2], type: .q4_1))
        writer.add(Tensor(name: "output_norm.weight", dimensions: [7], type: .f32))
        return writer
    }
}
