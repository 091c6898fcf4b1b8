import Foundation
import Testing
@testable import SluiceAssets

@Suite("Reading members out of wheels")
struct WheelArchiveTests {
    func extracted(_ archive: WheelArchive, _ name: String) throws -> [UInt8] {
        let entry = try #require(archive.entry(named: name))
        var bytes: [UInt8] = []
        try archive.extract(entry) { bytes += $0 }
        return bytes
    }

    @Test("deflated and stored members come out byte for byte, across many pieces")
    func roundTrip() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let large = testBytes(count: 3_500_000, seed: 1)
        let small = Array("print('hello')\n".utf8)
        for stored in [false, true] {
            let path = try wheels.wheel("w-\(stored).whl", members: [("pkg/data.bin", large), ("pkg/small.py", small)], stored: stored)
            let archive = try WheelArchive(path: path.path)
            #expect(archive.entries.map(\.name) == ["package/__init__.py", "pkg/data.bin", "pkg/small.py"])
            #expect(archive.entry(named: "pkg/data.bin")?.method == (stored ? 0 : 8))
            #expect(try extracted(archive, "pkg/data.bin") == large)
            #expect(try extracted(archive, "pkg/small.py") == small)
            #expect(try extracted(archive, "package/__init__.py") == [])
            #expect(archive.entry(named: "pkg/missing.bin") == nil)
        }
    }

    @Test("sizes, offsets and counts in ZIP64 records are read from there")
    func zip64() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let first = testBytes(count: 70_000, seed: 6)
        let second = Array("hello\n".utf8)
        let path = try wheels.zip64Wheel("z.whl", members: [("pkg/a.bin", first), ("pkg/b.txt", second)])
        let archive = try WheelArchive(path: path.path)
        #expect(archive.entries.map(\.name) == ["pkg/a.bin", "pkg/b.txt"])
        #expect(archive.entry(named: "pkg/b.txt")?.localHeaderOffset == UInt64(30 + 9 + 20 + 70_000))
        #expect(try extracted(archive, "pkg/a.bin") == first)
        #expect(try extracted(archive, "pkg/b.txt") == second)
    }

    @Test("an archive comment after the central directory does not hide it")
    func comment() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let bytes = testBytes(count: 10_000, seed: 2)
        let path = try wheels.wheel("c.whl", members: [("a/b.bin", bytes)], comment: String(repeating: "x", count: 3_000))
        #expect(try extracted(WheelArchive(path: path.path), "a/b.bin") == bytes)
    }

    @Test("a flipped byte in a stored member fails its CRC-32")
    func crcMismatch() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let bytes = testBytes(count: 50_000, seed: 3)
        let path = try wheels.wheel("s.whl", members: [("a/b.bin", bytes)], stored: true)
        var zip = try [UInt8](Data(contentsOf: path))
        let entry = try #require(try WheelArchive(path: path.path).entry(named: "a/b.bin"))
        // The data starts after the 30-byte local header and the name; no extra field from zipfile.
        zip[Int(entry.localHeaderOffset) + 30 + "a/b.bin".utf8.count + 1_000] ^= 0xff
        try Data(zip).write(to: path)
        #expect(throws: AssetError.corruptMember(member: "a/b.bin", reason: "CRC-32 mismatch")) {
            _ = try extracted(WheelArchive(path: path.path), "a/b.bin")
        }
    }

    @Test("damaged deflate data is a corrupt member, not a crash")
    func damagedDeflate() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let path = try wheels.wheel("d.whl", members: [("a/b.bin", testBytes(count: 200_000, seed: 4))])
        var zip = try [UInt8](Data(contentsOf: path))
        let entry = try #require(try WheelArchive(path: path.path).entry(named: "a/b.bin"))
        let start = Int(entry.localHeaderOffset) + 30 + "a/b.bin".utf8.count
        for offset in 0..<64 { zip[start + offset] = 0xff }
        try Data(zip).write(to: path)
        let error = #expect(throws: AssetError.self) { _ = try extracted(WheelArchive(path: path.path), "a/b.bin") }
        guard case .corruptMember(let member, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(member == "a/b.bin")
    }

    @Test("a file that is not a zip is refused with its path")
    func notAZip() throws {
        let wheels = try TestWheels()
        defer { wheels.remove() }
        let path = wheels.folder.appendingPathComponent("plain.whl")
        try Data(testBytes(count: 5_000, seed: 5)).write(to: path)
        #expect(throws: AssetError.malformedArchive(path: path.path, reason: "no end of central directory record")) {
            _ = try WheelArchive(path: path.path)
        }
        let empty = wheels.folder.appendingPathComponent("empty.whl")
        try Data().write(to: empty)
        #expect(throws: AssetError.self) { _ = try WheelArchive(path: empty.path) }
    }
}
