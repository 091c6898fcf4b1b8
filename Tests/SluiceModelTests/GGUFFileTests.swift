import CKernels
import Foundation
import SluiceModel
import Testing

@Suite("GGUF file reading")
struct GGUFFileTests {
    static let everyValueType: [(String, GGUFValue)] = [
        ("t.uint8", .uint8(200)),
        ("t.int8", .int8(-100)),
        ("t.uint16", .uint16(60_000)),
        ("t.int16", .int16(-30_000)),
        ("t.uint32", .uint32(4_000_000_000)),
        ("t.int32", .int32(-2_000_000_000)),
        ("t.float32", .float32(3.25)),
        ("t.bool.true", .bool(true)),
        ("t.bool.false", .bool(false)),
        ("t.string", .string("héllo, wörld ✓")),
        ("t.string.empty", .string("")),
        ("t.uint64", .uint64(UInt64.max)),
        ("t.int64", .int64(Int64.min)),
        ("t.float64", .float64(-1.0e300)),
        ("t.array.uint8", .array([.uint8(1), .uint8(2)])),
        ("t.array.int32", .array([.int32(-1), .int32(7), .int32(1 << 30)])),
        ("t.array.float32", .array([.float32(0.5), .float32(-2)])),
        ("t.array.string", .array([.string("a"), .string(""), .string("ĠHello")])),
        ("t.array.bool", .array([.bool(true), .bool(false)])),
        ("t.array.float64", .array([.float64(1e-300)])),
        ("t.array.empty", .array([])),
    ]

    @Test("every metadata value type round-trips", arguments: [UInt32(2), 3])
    func everyValueTypeRoundTrips(version: UInt32) throws {
        var writer = GGUFTestWriter(version: version)
        for (key, value) in Self.everyValueType { writer.add(key, value) }
        let file = try openGGUF(writer.build().bytes)

        #expect(file.version == version)
        #expect(file.metadata.count == Self.everyValueType.count)
        for (key, value) in Self.everyValueType {
            #expect(file.metadata[key] == value, "key \(key)")
        }
        #expect(file.tensors.isEmpty)
    }

    @Test("nested arrays round-trip, including empty and ragged inner arrays")
    func nestedArraysRoundTrip() throws {
        let nested: GGUFValue = .array([
            .array([.int32(1), .int32(2)]),
            .array([]),
            .array([.int32(3)]),
        ])
        let deep: GGUFValue = .array([.array([.array([.string("x"), .string("y")])])])
        var writer = GGUFTestWriter()
        writer.add("nested", nested)
        writer.add("deep", deep)
        let file = try openGGUF(writer.build().bytes)
        #expect(file.metadata["nested"] == nested)
        #expect(file.metadata["deep"] == deep)
    }

    @Test("tensor infos round-trip, and data(for:) points at each tensor's bytes", arguments: [UInt32(2), 3])
    func tensorInfosRoundTrip(version: UInt32) throws {
        let writer = GGUFTestWriter.sample(version: version)
        let layout = writer.build()
        let file = try openGGUF(layout.bytes)

        #expect(file.tensors.map(\.name) == ["token_embd.weight", "blk.0.attn_q.weight", "output_norm.weight"])
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.dimensions == [64, 3])
        #expect(embedding.type == .q8_0)
        #expect(embedding.offset == 0)
        #expect(embedding.elementCount == 192)
        #expect(embedding.byteCount == 6 * 34)
        let query = try #require(file.tensor(named: "blk.0.attn_q.weight"))
        #expect(query.type == .q4_1)
        #expect(query.byteCount == 2 * 20)
        #expect(query.offset == 224)  // 204 bytes, aligned up to 32
        let norm = try #require(file.tensor(named: "output_norm.weight"))
        #expect(norm.dimensions == [7])
        #expect(norm.byteCount == 28)
        #expect(file.tensor(named: "missing") == nil)

        #expect(file.dataOffset == layout.dataStart)
        for (index, tensor) in file.tensors.enumerated() {
            let mapped = UnsafeRawBufferPointer(start: file.data(for: tensor), count: tensor.byteCount)
            let written = layout.bytes[layout.tensorDataStarts[index]..<layout.tensorDataStarts[index] + tensor.byteCount]
            #expect(Array(mapped) == Array(written), "tensor \(tensor.name)")
        }
    }

    @Test("the data section starts at the next multiple of 32 when general.alignment is absent")
    func defaultAlignment() throws {
        let layout = GGUFTestWriter.sample().build()
        let file = try openGGUF(layout.bytes)
        #expect(file.alignment == 32)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.dataOffset == layout.dataStart)
    }

    @Test("a custom general.alignment sets the data section start and tensor offsets", arguments: [
        GGUFValue.uint32(64), .uint32(1), .uint32(4096), .uint64(128), .int32(16),
    ])
    func customAlignment(value: GGUFValue) throws {
        var writer = GGUFTestWriter.sample()
        writer.add("general.alignment", value)
        let layout = writer.build()
        let file = try openGGUF(layout.bytes)
        let alignment = try #require(value.intValue)
        #expect(file.alignment == alignment)
        #expect(file.dataOffset == layout.dataStart)
        #expect(file.dataOffset % alignment == 0)
        #expect(file.tensors.allSatisfy { $0.offset % alignment == 0 })
        let last = try #require(file.tensors.last)
        #expect(UnsafeRawBufferPointer(start: file.data(for: last), count: last.byteCount).elementsEqual(
            GGUFTestWriter.pattern(count: last.byteCount, seed: 2)))
    }

    @Test("a file with only a header reads as empty")
    func headerOnly() throws {
        let file = try openGGUF(GGUFTestWriter(version: 2).build().bytes)
        #expect(file.version == 2)
        #expect(file.metadata.isEmpty)
        #expect(file.tensors.isEmpty)
    }

    @Test("every ggml type's tensor reads with whole blocks per row")
    func everyTensorType() throws {
        var writer = GGUFTestWriter()
        for type in GGMLType.allCases {
            writer.add(GGUFTestWriter.Tensor(name: "t.\(type.name)", dimensions: [type.blockSize * 2, 3], type: type))
        }
        let file = try openGGUF(writer.build().bytes)
        for (tensor, type) in zip(file.tensors, GGMLType.allCases) {
            #expect(tensor.type == type)
            #expect(tensor.byteCount == 6 * type.typeSize)
        }
    }

    @Test("every type the kernels implement has the same block size and block bytes in the reader's table")
    func typeTableMatchesKernels() throws {
        var implemented = 0
        for type in GGMLType.allCases {
            guard let traits = sl_get_type_traits(sl_type(rawValue: type.rawValue)) else { continue }
            implemented += 1
            #expect(Int(traits.pointee.block_size) == type.blockSize, "\(type.name)")
            #expect(Int(traits.pointee.type_size) == type.typeSize, "\(type.name)")
        }
        #expect(implemented >= 5)
    }

    @Test("typed accessors convert integer widths and numbers, and return nil for absent keys or other types")
    func typedAccessors() throws {
        var writer = GGUFTestWriter()
        writer.add("u8", .uint8(7))
        writer.add("i64", .int64(-5))
        writer.add("u64.huge", .uint64(UInt64.max))
        writer.add("f32", .float32(1.5))
        writer.add("f64", .float64(2.25))
        writer.add("flag", .bool(true))
        writer.add("name", .string("llama"))
        writer.add("tokens", .array([.string("a"), .string("b")]))
        writer.add("types", .array([.int32(1), .int32(6)]))
        writer.add("u8s", .array([.uint8(3)]))
        writer.add("scores", .array([.float32(-1.5), .float32(0)]))
        writer.add("mixed.nested", .array([.array([.int32(1)])]))
        let file = try openGGUF(writer.build().bytes)

        #expect(file.int("u8") == 7)
        #expect(file.int("i64") == -5)
        #expect(file.int("u64.huge") == nil)
        #expect(file.int("f32") == nil)
        #expect(file.int("absent") == nil)
        #expect(file.float("f32") == 1.5)
        #expect(file.float("f64") == 2.25)
        #expect(file.float("u8") == 7)
        #expect(file.float("name") == nil)
        #expect(file.bool("flag") == true)
        #expect(file.bool("u8") == nil)
        #expect(file.string("name") == "llama")
        #expect(file.string("u8") == nil)
        #expect(file.stringArray("tokens") == ["a", "b"])
        #expect(file.stringArray("types") == nil)
        #expect(file.stringArray("name") == nil)
        #expect(file.intArray("types") == [1, 6])
        #expect(file.intArray("u8s") == [3])
        #expect(file.intArray("tokens") == nil)
        #expect(file.intArray("mixed.nested") == nil)
        #expect(file.floatArray("scores") == [-1.5, 0])
        #expect(file.floatArray("types") == [1, 6])
        #expect(file.floatArray("tokens") == nil)
    }

    @Test("a missing file or a directory is reported with its path")
    func cannotOpen() throws {
        let directory = try GGUFScratchDirectory()
        let missing = directory.url.appendingPathComponent("missing.gguf").path
        #expect {
            try GGUFFile(path: missing)
        } throws: { error in
            guard case .cannotOpen(let path, _) = error as? GGUFError else { return false }
            return path == missing && "\(error)".contains("missing.gguf")
        }
        #expect {
            try GGUFFile(path: directory.url.path)
        } throws: { error in
            "\(error)".contains("not a regular file")
        }
    }
}
