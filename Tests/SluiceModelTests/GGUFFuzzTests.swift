import Foundation
import SluiceModel
import Testing

/// Whatever the bytes, the reader throws a `GGUFError` or returns a file whose tensors lie inside it.
@Suite("GGUF reader robustness")
struct GGUFFuzzTests {
    /// A valid file that exercises every part of the format: scalars, strings, nested arrays, tensors.
    static func fuzzSample() -> GGUFTestWriter.Layout {
        var writer = GGUFTestWriter.sample()
        writer.add("t.int8", .int8(-3))
        writer.add("t.uint16", .uint16(9))
        writer.add("t.float64", .float64(0.125))
        writer.add("t.bool", .bool(true))
        writer.add("t.nested", .array([.array([.uint64(1), .uint64(2)]), .array([])]))
        writer.add("general.alignment", .uint32(16))
        writer.add(GGUFTestWriter.Tensor(name: "blk.0.ffn_up.weight", dimensions: [256, 1, 1, 2], type: .q4_K))
        return writer.build()
    }

    /// Opens `bytes`; when that succeeds, checks that every tensor lies inside the file and reads its ends.
    static func openAndCheck(_ bytes: [UInt8], in directory: GGUFScratchDirectory) throws -> Bool {
        let path = try directory.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file: GGUFFile
        do {
            file = try GGUFFile(path: path)
        } catch {
            #expect(!error.description.isEmpty)
            return false
        }
        for tensor in file.tensors {
            #expect((1...4).contains(tensor.dimensions.count))
            #expect(tensor.dimensions.allSatisfy { $0 >= 1 })
            #expect(tensor.offset % file.alignment == 0)
            #expect(file.dataOffset + tensor.offset + tensor.byteCount <= file.fileSize)
            let data = file.data(for: tensor)
            _ = data.load(as: UInt8.self) &+ data.load(fromByteOffset: tensor.byteCount - 1, as: UInt8.self)
        }
        return true
    }

    @Test("a file cut at every length throws or reads, and always throws when cut before its last tensor's data ends")
    func everyTruncation() throws {
        let layout = Self.fuzzSample()
        let directory = try GGUFScratchDirectory()
        #expect(try Self.openAndCheck(layout.bytes, in: directory))
        let file = try openGGUF(layout.bytes)
        let dataEnd = file.tensors.map { file.dataOffset + $0.offset + $0.byteCount }.max() ?? 0
        for length in 0..<layout.bytes.count {
            let opened = try Self.openAndCheck(Array(layout.bytes.prefix(length)), in: directory)
            if length < dataEnd {
                #expect(!opened, "a file cut to \(length) of \(layout.bytes.count) bytes was accepted")
            }
        }
    }

    @Test("random byte damage (seeded) never crashes the reader", arguments: [UInt64(1), 2, 3, 4])
    func randomDamage(seed: UInt64) throws {
        let layout = Self.fuzzSample()
        let directory = try GGUFScratchDirectory()
        var generator = SplitMix64(seed: seed)
        var opened = 0
        for _ in 0..<400 {
            var bytes = layout.bytes
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                // Mostly damage the header, metadata and tensor infos, where the structure is.
                let limit = Bool.random(using: &generator) ? layout.dataStart : bytes.count
                let index = Int.random(in: 0..<limit, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[index] = 0xFF
                case 1: bytes[index] = 0
                default: bytes[index] ^= UInt8.random(in: 1...255, using: &generator)
                }
            }
            if try Self.openAndCheck(bytes, in: directory) { opened += 1 }
        }
        // Flips inside tensor data and padding leave a valid file, so some must still open.
        #expect(opened > 0)
    }
}

/// A small seeded generator (SplitMix64), so that failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
