import Foundation
import Testing
@testable import SluiceAssets

@Suite("The cache directory")
struct ModelCacheTests {
    let home = URL(fileURLWithPath: "/home/someone")

    @Test("$SLUICE_CACHE when set and not empty, else ~/.cache/sluice; models and data sets below it")
    func location() {
        #expect(ModelCache(environment: ["SLUICE_CACHE": "/data/cache"], home: home).root.path == "/data/cache")
        #expect(ModelCache(environment: ["SLUICE_CACHE": ""], home: home).root.path == "/home/someone/.cache/sluice")
        let cache = ModelCache(environment: [:], home: home)
        #expect(cache.root.path == "/home/someone/.cache/sluice")
        #expect(cache.modelsDirectory.path == "/home/someone/.cache/sluice/models")
        #expect(cache.datasetsDirectory.path == "/home/someone/.cache/sluice/datasets")
        #expect(cache.path(for: ModelCatalog.defaultModel) == "/home/someone/.cache/sluice/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    @Test("a model is absent, partly fetched (as its progress record says), or cached")
    func state() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let cache = ModelCache(root: wheels.folder)
        let entry = try #require(ModelCatalog.entry(named: "qwen0.5b"))
        #expect(cache.state(of: entry) == .absent)

        try FileManager.default.createDirectory(at: cache.modelsDirectory, withIntermediateDirectories: true)
        let partial = cache.path(for: entry) + ".partial"
        try Data(repeating: 0, count: 1_000).write(to: URL(fileURLWithPath: partial))
        try AssemblyRecord(sha256: entry.asset.sha256, partsAppended: 2, bytes: 1_000).save(partialPath: partial)
        #expect(cache.state(of: entry) == .partial(partsAppended: 2, of: 6))
        // A record that promises more bytes than the partial file holds is not believed.
        try AssemblyRecord(sha256: entry.asset.sha256, partsAppended: 3, bytes: 5_000).save(partialPath: partial)
        #expect(cache.state(of: entry) == .absent)

        try Data("GGUF".utf8).write(to: URL(fileURLWithPath: cache.path(for: entry)))
        #expect(cache.state(of: entry) == .cached(path: cache.path(for: entry)))
    }
}
