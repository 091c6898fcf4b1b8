import Foundation
import SluiceModel
import Testing

/// Damaged files: each must give the specific `GGUFError` that names what is wrong and where.
@Suite("GGUF damaged files")
struct GGUFDamageTests {
    typealias Tensor = GGUFTestWriter.Tensor

    /// Opens `bytes`, requires an error matching `matches`, and requires its message to contain each fragment.
    func expectError(
        _ bytes: [UInt8], mentioning fragments: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation, _ matches: (GGUFError) -> Bool
    ) throws {
        let error = try #require(try ggufError(bytes), "the damaged file was accepted", sourceLocation: sourceLocation)
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\"\(error)\" does not mention \(fragment)",
                    sourceLocation: sourceLocation)
        }
    }

    func uint64Bytes(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    func uint32Bytes(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    // MARK: Header

    @Test("a file that does not start with GGUF is refused, naming the bytes found")
    func badMagic() throws {
        var bytes = GGUFTestWriter.sample().build().bytes
        bytes.replaceSubrange(0..<4, with: Array("GGML".utf8))
        try expectError(bytes, mentioning: ["not a GGUF file", "47 47 4d 4c"]) {
            if case .badMagic(_, let found) = $0 { found == Array("GGML".utf8) } else { false }
        }
    }

    @Test("versions other than 2 and 3 are refused, naming the version", arguments: [UInt32(0), 1, 4, 0xFFFF_FFFF])
    func unsupportedVersion(version: UInt32) throws {
        let bytes = GGUFTestWriter(version: version).build().bytes
        try expectError(bytes, mentioning: ["version \(version)"]) { $0 == .unsupportedVersion(version) }
    }

    @Test("a big-endian file is recognised and refused")
    func bigEndian() throws {
        let bytes = GGUFTestWriter(version: UInt32(3).byteSwapped).build().bytes
        try expectError(bytes, mentioning: ["big-endian"]) { $0 == .bigEndian(version: UInt32(3).byteSwapped) }
    }

    // MARK: Truncation

    @Test("a file cut inside the header names the header field and its offset", arguments: [
        (0, "magic", 0), (3, "magic", 0), (6, "version", 4), (10, "tensor count", 8), (20, "metadata entry count", 16),
    ])
    func truncatedHeader(length: Int, item: String, offset: Int) throws {
        let bytes = Array(GGUFTestWriter.sample().build().bytes.prefix(length))
        try expectError(bytes, mentioning: ["truncated", item, "byte \(offset)", "(\(length) bytes)"]) {
            if case .truncated(item, offset, _, length) = $0 { true } else { false }
        }
    }

    @Test("a file cut right after the header has more metadata entries than bytes")
    func truncatedAfterHeader() throws {
        let bytes = Array(GGUFTestWriter.sample().build().bytes.prefix(30))
        try expectError(bytes, mentioning: ["metadata entry count", "byte 16", "is 3"]) {
            if case .countTooLarge("metadata entry count", 3, 16, 6) = $0 { true } else { false }
        }
    }

    @Test("a file cut inside a metadata value names the key")
    func truncatedInMetadata() throws {
        let layout = GGUFTestWriter.sample().build()
        for cut in [layout.tensorInfoStart - 1, layout.tensorInfoStart - 2, layout.tensorInfoStart - 5] {
            try expectError(Array(layout.bytes.prefix(cut)), mentioning: ["'tokenizer.ggml.tokens'"]) {
                switch $0 {
                case .truncated, .countTooLarge: true
                default: false
                }
            }
        }
    }

    @Test("a file cut inside a tensor info names the tensor and the field")
    func truncatedInTensorInfo() throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "blk.3.attn_q.weight", dimensions: [32, 4], type: .q4_0))
        let layout = writer.build()
        // name (8 + 19 bytes), dimension count (4), dimensions (16), type (4), offset (8)
        let offsetField = layout.tensorInfoStart + 8 + 19 + 4 + 16 + 4
        try expectError(Array(layout.bytes.prefix(offsetField + 3)),
                        mentioning: ["truncated", "data offset of tensor blk.3.attn_q.weight", "byte \(offsetField)"]) {
            if case .truncated(_, offsetField, 8, _) = $0 { true } else { false }
        }
        let typeField = offsetField - 4
        try expectError(Array(layout.bytes.prefix(typeField + 1)),
                        mentioning: ["type of tensor blk.3.attn_q.weight", "byte \(typeField)"]) {
            if case .truncated(_, typeField, 4, _) = $0 { true } else { false }
        }
    }

    @Test("a file cut inside tensor data names the tensor, where its data ends and the file size")
    func truncatedInData() throws {
        let layout = GGUFTestWriter.sample().build()
        let end = layout.tensorDataStarts[1] + 40
        let cut = end - 1
        try expectError(Array(layout.bytes.prefix(cut)), mentioning: [
            "GGUF file truncated: tensor blk.0.attn_q.weight data ends at byte \(end) past end of file (\(cut) bytes)",
        ]) {
            $0 == .tensorDataPastEnd(tensor: "blk.0.attn_q.weight", end: UInt64(end), fileSize: cut)
        }
    }

    // MARK: Absurd counts and lengths

    @Test("a tensor count of 2^40 is refused before allocating")
    func absurdTensorCount() throws {
        var writer = GGUFTestWriter.sample()
        writer.tensorCountOverride = 1 << 40
        try expectError(writer.build().bytes, mentioning: ["tensor count", "byte 8", "1099511627776"]) {
            if case .countTooLarge("tensor count", 1 << 40, 8, _) = $0 { true } else { false }
        }
    }

    @Test("a metadata entry count of 2^40 is refused before allocating")
    func absurdMetadataCount() throws {
        var writer = GGUFTestWriter.sample()
        writer.metadataCountOverride = 1 << 40
        try expectError(writer.build().bytes, mentioning: ["metadata entry count", "byte 16"]) {
            if case .countTooLarge("metadata entry count", 1 << 40, 16, _) = $0 { true } else { false }
        }
    }

    @Test("a string value of length 2^62 is refused, naming the key and offset")
    func absurdStringLength() throws {
        var writer = GGUFTestWriter.sample()
        writer.addRaw("general.name", type: 8, payload: uint64Bytes(1 << 62) + Array("Smol".utf8))
        let layout = writer.build()
        let lengthOffset = layout.tensorInfoStart - 12
        try expectError(layout.bytes, mentioning: ["'general.name'", "byte \(lengthOffset)", "4611686018427387904"]) {
            if case .countTooLarge(_, 1 << 62, lengthOffset, _) = $0 { true } else { false }
        }
    }

    @Test("a key of length 2^62 is refused, naming the entry")
    func absurdKeyLength() throws {
        var bytes = GGUFTestWriter.sample().build().bytes
        bytes.replaceSubrange(24..<32, with: uint64Bytes(1 << 62))
        try expectError(bytes, mentioning: ["key of metadata entry 0", "byte 24"]) {
            if case .countTooLarge(_, 1 << 62, 24, _) = $0 { true } else { false }
        }
    }

    @Test("an array length that cannot fit in the file is refused, naming the key", arguments: [
        (8, 1 << 60), (10, 5), (0, 1 << 40), (9, 1 << 33),
    ] as [(UInt32, UInt64)])
    func absurdArrayLength(elementType: UInt32, length: UInt64) throws {
        var writer = GGUFTestWriter()
        writer.addRaw("tokenizer.ggml.tokens", type: 9, payload: uint32Bytes(elementType) + uint64Bytes(length) + [1, 2, 3])
        try expectError(writer.build().bytes, mentioning: ["array length", "'tokenizer.ggml.tokens'", "\(length)"]) {
            if case .countTooLarge(_, length, 24 + 8 + 21 + 4 + 4, _) = $0 { true } else { false }
        }
    }

    @Test("an unknown value type is refused, naming the key", arguments: [
        ("general.x", UInt32(13), [UInt8]()), ("general.y", 9, [13, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
    ])
    func unknownValueType(key: String, type: UInt32, payload: [UInt8]) throws {
        var writer = GGUFTestWriter()
        writer.addRaw(key, type: type, payload: payload)
        try expectError(writer.build().bytes, mentioning: ["'\(key)'", "unknown value type 13"]) {
            if case .unknownValueType(_, 13, _) = $0 { true } else { false }
        }
    }

    @Test("arrays nested deeper than 16 levels are refused")
    func deepNesting() throws {
        var writer = GGUFTestWriter()
        let level = uint32Bytes(9) + uint64Bytes(1)
        writer.addRaw("deep", type: 9, payload: Array([[UInt8]](repeating: level, count: 40).joined()))
        try expectError(writer.build().bytes, mentioning: ["'deep'", "16"]) {
            if case .arrayNestingTooDeep("deep", _, 16) = $0 { true } else { false }
        }
    }

    // MARK: Metadata and alignment

    @Test("a key that appears twice is refused, naming it and the second occurrence")
    func duplicateKey() throws {
        var writer = GGUFTestWriter.sample()
        let before = writer.build().tensorInfoStart
        writer.add("llama.block_count", .uint32(3))
        try expectError(writer.build().bytes, mentioning: ["'llama.block_count'", "byte \(before)"]) {
            $0 == .duplicateKey("llama.block_count", offset: before)
        }
    }

    @Test("general.alignment that is not a power of two, or not an integer, is refused", arguments: [
        GGUFValue.uint32(0), .uint32(3), .uint32(48), .uint64(1 << 40), .int32(-32), .string("32"),
    ])
    func invalidAlignment(value: GGUFValue) throws {
        var writer = GGUFTestWriter()
        writer.add("general.alignment", value)
        try expectError(writer.build().bytes, mentioning: ["general.alignment"]) {
            if case .invalidAlignment = $0 { true } else { false }
        }
    }

    // MARK: Tensor infos

    @Test("two tensors with the same name are refused, naming it")
    func duplicateTensor() throws {
        var writer = GGUFTestWriter.sample()
        writer.add(Tensor(name: "blk.0.attn_q.weight", dimensions: [32], type: .q8_0))
        try expectError(writer.build().bytes, mentioning: ["blk.0.attn_q.weight", "twice"]) {
            if case .duplicateTensor("blk.0.attn_q.weight", _) = $0 { true } else { false }
        }
    }

    @Test("a tensor with no dimensions or more than four is refused", arguments: [0, 5, 1000])
    func invalidDimensionCount(count: Int) throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "blk.1.ffn_up.weight", dimensions: [UInt64](repeating: 2, count: count), type: 0))
        try expectError(writer.build().bytes, mentioning: ["blk.1.ffn_up.weight", "\(count) dimensions"]) {
            if case .invalidDimensionCount("blk.1.ffn_up.weight", UInt32(count), _) = $0 { true } else { false }
        }
    }

    @Test("a zero or negative dimension is refused, naming the tensor and the dimension", arguments: [
        UInt64(0), 1 << 63, UInt64.max,
    ])
    func invalidDimension(value: UInt64) throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "output.weight", dimensions: [32, value], type: GGMLType.q8_0.rawValue))
        let shown = value == 0 ? "0" : String(Int64(bitPattern: value))
        try expectError(writer.build().bytes, mentioning: ["output.weight", "dimension 1 is \(shown)"]) {
            if case .invalidDimension("output.weight", 1, value, _) = $0 { true } else { false }
        }
    }

    @Test("dimensions whose element count or byte count overflows are refused", arguments: [
        [UInt64(1) << 32, 1 << 32], [1 << 31, 1 << 31], [1 << 62, 4],
    ])
    func overflowingDimensions(dimensions: [UInt64]) throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "big", dimensions: dimensions, type: GGMLType.f32.rawValue))
        try expectError(writer.build().bytes, mentioning: ["big", "64 bits"]) {
            if case .tooManyElements("big", _) = $0 { true } else { false }
        }
    }

    @Test("an unknown or removed ggml type is refused, naming the tensor and type", arguments: [
        UInt32(4), 5, 31, 36, 41, 999,
    ])
    func unknownTensorType(type: UInt32) throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "blk.2.attn_k.weight", dimensions: [256, 2], type: type))
        try expectError(writer.build().bytes, mentioning: ["blk.2.attn_k.weight", "unknown ggml type \(type)"]) {
            if case .unknownTensorType("blk.2.attn_k.weight", type, _) = $0 { true } else { false }
        }
    }

    @Test("a row length that is not a whole number of blocks is refused", arguments: [
        (GGMLType.q4_0, [33, 32]), (.q4_K, [128, 2]), (.q8_0, [16, 2]),
    ])
    func partialBlock(type: GGMLType, dimensions: [Int]) throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "t", dimensions: dimensions, type: type))
        try expectError(writer.build().bytes, mentioning: ["tensor t", "block size \(type.blockSize)"]) {
            $0 == .partialBlock(tensor: "t", rowLength: dimensions[0], type: type)
        }
    }

    @Test("a tensor offset that is not a multiple of the alignment is refused", arguments: [UInt64(16), 33, 1])
    func misalignedOffset(offset: UInt64) throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "blk.0.ffn_down.weight", dimensions: [32], type: .q8_0, offset: offset))
        try expectError(writer.build().bytes, mentioning: ["blk.0.ffn_down.weight", "offset \(offset)", "alignment 32"]) {
            $0 == .misalignedTensor(tensor: "blk.0.ffn_down.weight", offset: offset, alignment: 32)
        }
    }

    @Test("a tensor whose data lies past the end of the file is refused, naming it", arguments: [
        UInt64(1024), 1 << 40, UInt64.max - 31,
    ])
    func dataPastEnd(offset: UInt64) throws {
        var writer = GGUFTestWriter.sample()
        writer.add(Tensor(name: "output.weight", dimensions: [32, 2], type: .q8_0, offset: offset))
        let layout = writer.build()
        // Keep the other tensors' data but not this one's, wherever its offset put it.
        let end = layout.tensorDataStarts[3] < 0 ? layout.bytes.count : layout.tensorDataStarts[3]
        let bytes = Array(layout.bytes.prefix(end))
        try expectError(bytes, mentioning: ["output.weight", "past end of file (\(bytes.count) bytes)"]) {
            if case .tensorDataPastEnd("output.weight", _, bytes.count) = $0 { true } else { false }
        }
    }

    @Test("tensors whose data ranges overlap are refused, naming both", arguments: [UInt64(0), 192])
    func overlappingTensors(offset: UInt64) throws {
        var writer = GGUFTestWriter()
        writer.add(Tensor(name: "token_embd.weight", dimensions: [64, 3], type: .q8_0))  // 204 bytes at 0
        writer.add(Tensor(name: "output.weight", dimensions: [32], type: .q8_0, offset: offset))
        writer.add(Tensor(name: "unrelated", dimensions: [32], type: .q8_0, offset: 1024))
        try expectError(writer.build().bytes, mentioning: ["token_embd.weight", "output.weight", "offset \(offset)"]) {
            $0 == .overlappingTensors(first: "token_embd.weight", firstEnd: 204, second: "output.weight",
                                      secondStart: Int(offset))
        }
    }
}
