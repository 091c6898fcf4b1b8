import Foundation
import SluiceGGUF
import Testing
@testable import SluiceHuggingFace

/// `Resources/safetensors_minilm.json`, written from the `safetensors` package by
/// `scripts/make_safetensors_fixtures.py`.
private struct Fixture: Decodable {
    struct Tensor: Decodable {
        let name: String
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]
        /// [flat index, value] pairs.
        let values: [[Double]]

        enum CodingKeys: String, CodingKey {
            case name, dtype, shape, values
            case dataOffsets = "data_offsets"
        }
    }

    let headerLength: Int
    let metadata: [String: String]
    let tensors: [Tensor]

    enum CodingKeys: String, CodingKey {
        case metadata, tensors
        case headerLength = "header_length"
    }

    static func load() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "safetensors_minilm", withExtension: "json", subdirectory: "Resources"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }
}

@Suite("Reading safetensors files")
struct SafetensorsFileTests {
    @Test("every tensor of MiniLM's model.safetensors has the name, dtype, shape, offsets and values the safetensors package reads")
    func minilm() throws {
        let fixture = try Fixture.load()
        let file = try SafetensorsFile(path: minilmFolder() + "/model.safetensors")
        #expect(file.metadata == fixture.metadata)
        #expect(file.dataOffset == 8 + fixture.headerLength)
        #expect(fixture.tensors.count == 104)
        #expect(file.tensors.map(\.name) == fixture.tensors.map(\.name))
        for expected in fixture.tensors {
            let entry = try #require(file.entry(named: expected.name))
            #expect(entry.dtype.rawValue == expected.dtype && entry.shape == expected.shape, "\(expected.name)")
            #expect([entry.offset, entry.offset + entry.byteCount] == expected.dataOffsets, "\(expected.name)")
            guard expected.dtype == "F32" else {
                #expect(file.tensor(named: expected.name) == nil)
                #expect(throws: SafetensorsError.unsupportedDType(tensor: expected.name, dtype: entry.dtype)) {
                    _ = try file.checkedTensor(named: expected.name)
                }
                continue
            }
            let info = try #require(file.tensor(named: expected.name))
            #expect(info.dimensions == expected.shape.reversed() && info.type == .f32 && info.byteCount == entry.byteCount)
            let data = file.data(for: info)
            for pair in expected.values {
                let value = data.loadUnaligned(fromByteOffset: Int(pair[0]) * 4, as: Float.self)
                #expect(value == Float(pair[1]), "\(expected.name)[\(Int(pair[0]))]")
            }
        }
        // A PyTorch Linear from 384 to 1536 is [1536, 384]; in ggml order, as a GGUF file has it, [384, 1536].
        #expect(file.tensor(named: "encoder.layer.0.intermediate.dense.weight")?.dimensions == [384, 1536])
        #expect(file.tensor(named: "no.such.weight") == nil)
        #expect(throws: SafetensorsError.missingTensor(name: "no.such.weight", path: file.path)) {
            _ = try file.checkedTensor(named: "no.such.weight")
        }
    }

    @Test("F16 and BF16 map to ggml's types with their bytes untouched; a scalar is [1]; other dtypes fail only when used")
    func dtypes() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // 1.0 and -2.0 as F16 (0x3C00, 0xC000) and as BF16 (0x3F80, 0xC000); a scalar F32 3.5; two I8 bytes.
        let data: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 0x00, 0xC0] + littleEndianBytes([3.5]) + [7, 9]
        let path = try scratch.safetensors("types.safetensors", header: """
            {"half":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"brain":{"dtype":"BF16","shape":[1,2],"data_offsets":[4,8]},
             "scalar":{"dtype":"F32","shape":[],"data_offsets":[8,12]},"bytes":{"dtype":"I8","shape":[2],"data_offsets":[12,14]}}
            """, data: data)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata.isEmpty)
        let half = try #require(file.tensor(named: "half"))
        #expect(half == GGUFTensorInfo(name: "half", dimensions: [2], type: .f16, offset: 0, byteCount: 4))
        #expect(file.data(for: half).loadUnaligned(fromByteOffset: 2, as: UInt16.self) == 0xC000)
        #expect(file.tensor(named: "brain") == GGUFTensorInfo(name: "brain", dimensions: [2, 1], type: .bf16, offset: 4, byteCount: 4))
        let scalar = try #require(file.tensor(named: "scalar"))
        #expect(scalar.dimensions == [1] && file.data(for: scalar).loadUnaligned(as: Float.self) == 3.5)
        #expect(file.entry(named: "bytes")?.dtype == .i8)
        #expect(throws: SafetensorsError.unsupportedDType(tensor: "bytes", dtype: .i8)) { _ = try file.checkedTensor(named: "bytes") }
    }

    /// The error opening a file whose header is `header` over `data` gives, or nil.
    private func openError(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws -> SafetensorsError? {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try scratch.safetensors("bad.safetensors", header: header, data: data, declaredLength: declaredLength)
        do {
            _ = try SafetensorsFile(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test("truncated, oversized and unparsable headers give their own errors")
    func badHeaders() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let short = try scratch.write("short.safetensors", [1, 0, 0])
        #expect(throws: SafetensorsError.missingHeaderLength(path: short, fileSize: 3)) { _ = try SafetensorsFile(path: short) }
        #expect(throws: SafetensorsError.self) { _ = try SafetensorsFile(path: scratch.path("absent.safetensors")) }
        #expect(throws: SafetensorsError.cannotOpen(path: scratch.url.path, reason: "not a regular file")) {
            _ = try SafetensorsFile(path: scratch.url.path)
        }

        let past = try openError(header: "{}", declaredLength: 3)
        guard case .headerPastEnd(_, 3, 10) = past else { Issue.record("got \(String(describing: past))"); return }
        let huge = try openError(header: "{}", declaredLength: 1 << 40)
        guard case .headerTooLarge(_, 1 << 40, 100_000_000) = huge else { Issue.record("got \(String(describing: huge))"); return }

        for (header, fragment) in [("{\"a\": ", "not JSON"), ("[1, 2]", "not JSON"), ("\u{FF}", "not JSON"),
                                   (#"{"a": {"dtype": "F32", "shape": [1]}}"#, "data_offsets is missing"),
                                   (#"{"__metadata__": {"format": 1}}"#, "__metadata__.format")] {
            let error = try openError(header: header, data: [0, 0, 0, 0])
            guard case .invalidHeader(_, let reason) = error else {
                Issue.record("\(header): got \(String(describing: error))")
                continue
            }
            #expect(reason.contains(fragment) || fragment == "not JSON", "\(header): \(reason)")
            #expect(error?.description.contains("the JSON header of") == true)
        }
    }

    @Test("offsets past the end, reversed or overlapping, dtype/shape mismatches, unknown dtypes and absurd shapes are refused by name")
    func badTensors() throws {
        let four = [UInt8](repeating: 0, count: 8)
        #expect(try openError(header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0])
                == .tensorDataPastEnd(tensor: "w", end: 8, dataSize: 4))
        #expect(try openError(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, data: four)
                == .invalidOffsets(tensor: "w", offsets: [4, 0]))
        #expect(try openError(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#, data: four)
                == .invalidOffsets(tensor: "w", offsets: [0]))
        #expect(try openError(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#, data: four)
                == .invalidOffsets(tensor: "w", offsets: [-4, 0]))
        #expect(try openError(header: #"{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, data: four)
                == .negativeDimension(tensor: "w", shape: [-1]))
        #expect(try openError(header: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: four)
                == .sizeMismatch(tensor: "w", dtype: .f32, shape: [3], expected: 12, actual: 8))
        #expect(try openError(header: #"{"w": {"dtype": "Q4_K", "shape": [1], "data_offsets": [0, 4]}}"#, data: four)
                == .unknownDType(tensor: "w", dtype: "Q4_K"))
        #expect(try openError(header: #"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#, data: four)
                == .tooManyElements(tensor: "w", shape: [4_294_967_296, 4_294_967_296]))
        #expect(try openError(header: #"{"w": {"dtype": "F64", "shape": [1152921504606846976], "data_offsets": [0, 4]}}"#, data: four)
                == .tooManyElements(tensor: "w", shape: [1_152_921_504_606_846_976]))
        #expect(try openError(header: """
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F16", "shape": [2], "data_offsets": [2, 6]}}
            """, data: four) == .overlappingTensors(first: "a", firstEnd: 4, second: "b", secondStart: 2))
        let message = SafetensorsError.overlappingTensors(first: "a", firstEnd: 4, second: "b", secondStart: 2).description
        #expect(message == "safetensors file corrupt: tensor b data starts at offset 2, inside tensor a, which ends at offset 4")
        // Empty tensors take no bytes and overlap nothing; they cannot be used as weights.
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try scratch.safetensors("empty.safetensors", header: """
            {"e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
            """, data: [0, 0, 0, 0])
        let file = try SafetensorsFile(path: path)
        #expect(throws: SafetensorsError.unsupportedShape(tensor: "e", shape: [0, 3])) { _ = try file.checkedTensor(named: "e") }
    }
}
