import Foundation
import SluiceGGUF
import Testing
@testable import SluiceHuggingFace

@Suite("Sharded safetensors checkpoints")
struct SafetensorsCheckpointTests {
    /// Two shards and their index in `scratch`: `a` and `b` in the first, `c` in the second.
    private func writeShards(_ scratch: ScratchFolder, index: String? = nil) throws {
        try scratch.safetensors("model-00001-of-00002.safetensors", header: """
            {"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
            """, data: littleEndianBytes([1, 2, 3]))
        try scratch.safetensors("model-00002-of-00002.safetensors", header: """
            {"c": {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 8]}}
            """, data: littleEndianBytes([4, 5]))
        try scratch.write(SafetensorsCheckpoint.indexFileName, text: index ?? """
            {"metadata": {"total_size": 20}, "weight_map": {"a": "model-00001-of-00002.safetensors",
             "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}
            """)
    }

    @Test("the index maps each tensor to its shard; each shard is opened once and read through the checkpoint")
    func sharded() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        try writeShards(scratch)
        let checkpoint = try SafetensorsCheckpoint(folder: scratch.url.path)
        #expect(checkpoint.shards.count == 2)
        #expect(checkpoint.metadata == ["total_size": "20"])
        #expect(checkpoint.tensorNames == ["a", "b", "c"])
        let b = try #require(checkpoint.tensor(named: "b"))
        let c = try #require(checkpoint.tensor(named: "c"))
        #expect(c == GGUFTensorInfo(name: "c", dimensions: [1, 2], type: .f32, offset: 0, byteCount: 8))
        #expect(checkpoint.data(for: b).loadUnaligned(as: Float.self) == 3)
        #expect(checkpoint.data(for: c).loadUnaligned(fromByteOffset: 4, as: Float.self) == 5)
        #expect(checkpoint.tensor(named: "d") == nil)
        #expect(throws: SafetensorsError.missingTensor(name: "d", path: "the sharded checkpoint")) {
            _ = try checkpoint.checkedTensor(named: "d")
        }
    }

    @Test("a folder without an index is its model.safetensors")
    func single() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        try scratch.safetensors("model.safetensors", header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#,
                                data: littleEndianBytes([6]))
        let checkpoint = try SafetensorsCheckpoint(folder: scratch.url.path)
        #expect(checkpoint.shards.count == 1 && checkpoint.tensorNames == ["w"])
        #expect(checkpoint.data(for: try checkpoint.checkedTensor(named: "w")).loadUnaligned(as: Float.self) == 6)
    }

    @Test("an index naming a tensor its shard lacks, a path out of the folder, a missing shard, or bad JSON is refused")
    func badIndexes() throws {
        let cases: [(String, (SafetensorsError) -> Bool)] = [
            (#"{"weight_map": {"z": "model-00001-of-00002.safetensors"}}"#,
             { $0 == .tensorNotInShard(tensor: "z", shard: "model-00001-of-00002.safetensors") }),
            (#"{"weight_map": {"a": "../model-00001-of-00002.safetensors"}}"#,
             { if case .invalidIndex(_, let reason) = $0 { reason.contains("not a file name") } else { false } }),
            (#"{"weight_map": {"a": "model-00003-of-00003.safetensors"}}"#,
             { if case .cannotOpen(let path, _) = $0 { path.hasSuffix("/model-00003-of-00003.safetensors") } else { false } }),
            (#"{"weight_map": {}}"#, { if case .invalidIndex(_, let reason) = $0 { reason.contains("empty") } else { false } }),
            (#"{"weight_map": ["a"]}"#, { if case .invalidIndex = $0 { true } else { false } }),
            ("not json", { if case .invalidIndex = $0 { true } else { false } }),
        ]
        for (index, matches) in cases {
            let scratch = try ScratchFolder()
            defer { scratch.remove() }
            try writeShards(scratch, index: index)
            do {
                _ = try SafetensorsCheckpoint(folder: scratch.url.path)
                Issue.record("\(index): opened")
            } catch {
                #expect(matches(error), "\(index): \(error)")
            }
        }
    }
}
