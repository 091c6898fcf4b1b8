import Foundation
import SluiceGGUF

/// A model's safetensors weights: one `model.safetensors`, or the shards that
/// `model.safetensors.index.json` lists, each opened once, read as one set of tensors.
///
/// `tensor(named:)` and `data(for:)` mean what `GGUFFile`'s do; a tensor's offset is relative to
/// its own shard, which the index finds again by name.
public final class SafetensorsCheckpoint: Sendable {
    /// The single file's name in a model folder.
    public static let singleFileName = "model.safetensors"
    /// The index's name in a model folder of sharded weights.
    public static let indexFileName = "model.safetensors.index.json"

    /// The opened files, in the order of their names.
    public let shards: [SafetensorsFile]
    /// The index's `metadata` (e.g. `total_size`), as strings; empty for a single file.
    public let metadata: [String: String]
    private let shardByTensor: [String: Int]

    /// The weights in `folder`: the index when there is one, else `model.safetensors`.
    public convenience init(folder: String) throws(SafetensorsError) {
        let index = (folder as NSString).appendingPathComponent(Self.indexFileName)
        if FileManager.default.fileExists(atPath: index) {
            try self.init(indexPath: index)
        } else {
            try self.init(file: SafetensorsFile(path: (folder as NSString).appendingPathComponent(Self.singleFileName)))
        }
    }

    /// One unsharded file.
    public init(file: SafetensorsFile) {
        shards = [file]
        metadata = [:]
        shardByTensor = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, 0) })
    }

    /// The shards `indexPath` lists in its `weight_map`, which must lie in the index's folder and
    /// hold the tensors it maps to them.
    public init(indexPath: String) throws(SafetensorsError) {
        let index: ShardIndex
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: indexPath))
            index = try JSONDecoder().decode(ShardIndex.self, from: data)
        } catch let error as DecodingError {
            throw .invalidIndex(path: indexPath, reason: "\(error)")
        } catch {
            let exists = FileManager.default.fileExists(atPath: indexPath)
            throw .cannotOpen(path: indexPath, reason: exists ? "\(error)" : "no such file")
        }
        let folder = (indexPath as NSString).deletingLastPathComponent
        let shardNames = Set(index.weightMap.values).sorted()
        guard !shardNames.isEmpty else { throw .invalidIndex(path: indexPath, reason: "the weight_map is empty") }
        var shards: [SafetensorsFile] = []
        var shardNumber: [String: Int] = [:]
        for name in shardNames {
            // A shard is a file beside the index, never a path that leaves the folder.
            guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else {
                throw .invalidIndex(path: indexPath, reason: "shard name \"\(name)\" is not a file name in the folder")
            }
            shardNumber[name] = shards.count
            shards.append(try SafetensorsFile(path: (folder as NSString).appendingPathComponent(name)))
        }
        var shardByTensor: [String: Int] = [:]
        for (tensor, shardName) in index.weightMap {
            let number = shardNumber[shardName]!
            guard shards[number].entry(named: tensor) != nil else { throw .tensorNotInShard(tensor: tensor, shard: shardName) }
            shardByTensor[tensor] = number
        }
        self.shards = shards
        self.metadata = index.metadata
        self.shardByTensor = shardByTensor
    }

    /// Every tensor's name, sorted.
    public var tensorNames: [String] { shardByTensor.keys.sorted() }

    /// The tensor called `name` as its shard's header describes it, whatever its dtype.
    public func entry(named name: String) -> SafetensorsTensor? {
        shardByTensor[name].flatMap { shards[$0].entry(named: name) }
    }

    /// As `SafetensorsFile.tensor(named:)`, in whichever shard holds it.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        shardByTensor[name].flatMap { shards[$0].tensor(named: name) }
    }

    /// As `SafetensorsFile.checkedTensor(named:)`, in whichever shard holds it.
    public func checkedTensor(named name: String) throws(SafetensorsError) -> GGUFTensorInfo {
        guard let shard = shardByTensor[name] else {
            throw .missingTensor(name: name, path: shards.count == 1 ? shards[0].path : "the sharded checkpoint")
        }
        return try shards[shard].checkedTensor(named: name)
    }

    /// The start of `tensor`'s bytes in its shard's mapping; `tensor` must come from this checkpoint.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        guard let shard = shardByTensor[tensor.name] else {
            preconditionFailure("tensor \(tensor.name) is not from this safetensors checkpoint")
        }
        return shards[shard].data(for: tensor)
    }
}

/// `model.safetensors.index.json`: which shard holds each tensor.
private struct ShardIndex: Decodable {
    var metadata: [String: String] = [:]
    let weightMap: [String: String]

    enum CodingKeys: String, CodingKey {
        case metadata
        case weightMap = "weight_map"
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        weightMap = try container.decode([String: String].self, forKey: .weightMap)
        // Writers put numbers here (`total_size`); keep each value as text.
        if let values = try? container.decode([String: JSONScalar].self, forKey: .metadata) {
            metadata = values.mapValues(\.text)
        }
    }
}

/// A JSON string or number, as text.
private struct JSONScalar: Decodable {
    let text: String

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int.self) {
            text = String(integer)
        } else {
            text = String(try container.decode(Double.self))
        }
    }
}
