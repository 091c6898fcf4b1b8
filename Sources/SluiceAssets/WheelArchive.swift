import CZlib
import Foundation

/// A zip archive (a wheel), read through its central directory as PKWARE's APPNOTE.TXT describes it,
/// ZIP64 sizes and offsets included. Members are stored or deflated; each comes out streamed, checked
/// against its CRC-32 and length.
struct WheelArchive {
    /// One member, as the central directory describes it.
    struct Entry: Equatable {
        let name: String
        /// 0: stored, 8: deflated.
        let method: UInt16
        let crc32: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
    }

    let path: String
    let entries: [Entry]
    private let size: UInt64

    private static let endOfCentralDirectory: UInt32 = 0x0605_4b50
    private static let zip64Locator: UInt32 = 0x0706_4b50
    private static let zip64EndOfCentralDirectory: UInt32 = 0x0606_4b50
    private static let centralHeader: UInt32 = 0x0201_4b50
    private static let localHeader: UInt32 = 0x0403_4b50
    /// Members are read and unpacked in pieces of this many bytes.
    private static let pieceSize = 1 << 20

    /// Reads the central directory of the archive at `path`.
    init(path: String) throws {
        self.path = path
        let file = try ArchiveFile(path: path)
        size = file.size
        // The end record is the last 22 bytes, unless a comment of up to 65,535 bytes follows it.
        let tailLength = min(size, 22 + 65_535)
        let tail = try file.bytes(at: size - tailLength, count: Int(tailLength))
        guard let end = (0...max(0, tail.count - 22)).reversed().first(where: { (try? tail.u32($0)) == Self.endOfCentralDirectory })
        else { throw file.malformed("no end of central directory record") }
        var count = UInt64(try tail.u16(end + 10))
        var directorySize = UInt64(try tail.u32(end + 12))
        var directoryOffset = UInt64(try tail.u32(end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the end record points at the 64-bit end record.
            let endStart = size - tailLength + UInt64(end)
            guard endStart >= 20 else { throw file.malformed("no ZIP64 locator") }
            let locator = try file.bytes(at: endStart - 20, count: 20)
            guard try locator.u32(0) == Self.zip64Locator else { throw file.malformed("no ZIP64 locator") }
            let record = try file.bytes(at: try locator.u64(8), count: 56)
            guard try record.u32(0) == Self.zip64EndOfCentralDirectory else { throw file.malformed("no ZIP64 end record") }
            count = try record.u64(32)
            directorySize = try record.u64(40)
            directoryOffset = try record.u64(48)
        }
        guard directoryOffset <= size, directorySize <= size - directoryOffset, directorySize <= UInt64(Int32.max)
        else { throw file.malformed("the central directory lies outside the file") }
        let directory = try file.bytes(at: directoryOffset, count: Int(directorySize))
        var entries: [Entry] = []
        var position = 0
        for _ in 0..<count {
            guard try directory.u32(position) == Self.centralHeader else { throw file.malformed("a bad central directory header") }
            let nameLength = Int(try directory.u16(position + 28))
            let extraLength = Int(try directory.u16(position + 30))
            let commentLength = Int(try directory.u16(position + 32))
            let name = String(decoding: try directory.slice(position + 46, nameLength), as: UTF8.self)
            var uncompressed = UInt64(try directory.u32(position + 24))
            var compressed = UInt64(try directory.u32(position + 20))
            var offset = UInt64(try directory.u32(position + 42))
            // A 32-bit field of all ones means the value is in the ZIP64 extra field, in this order.
            var extra = position + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try directory.u16(extra)
                let length = Int(try directory.u16(extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try directory.u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = try directory.u64(field); field += 8 }
                    if offset == 0xFFFF_FFFF { offset = try directory.u64(field); field += 8 }
                }
                extra += 4 + length
            }
            entries.append(Entry(name: name, method: try directory.u16(position + 10), crc32: try directory.u32(position + 16),
                                 compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: offset))
            position = extraEnd + commentLength
        }
        self.entries = entries
    }

    /// A piece of a zip archive that has no central directory of its own (the middle of a split
    /// archive), holding the entry whose local header starts at `offset`; that header must carry the
    /// entry's sizes and CRC-32 (no data descriptor).
    init(path: String, localHeaderAt offset: UInt64) throws {
        self.path = path
        let file = try ArchiveFile(path: path)
        size = file.size
        let header = try file.bytes(at: offset, count: 30)
        guard try header.u32(0) == Self.localHeader else { throw file.malformed("no local header at byte \(offset)") }
        guard try header.u16(6) & 0x08 == 0 else { throw file.malformed("the entry at byte \(offset) keeps its sizes after its data") }
        let name = String(decoding: try file.bytes(at: offset + 30, count: Int(try header.u16(26))).bytes, as: UTF8.self)
        entries = [Entry(name: name, method: try header.u16(8), crc32: try header.u32(14),
                         compressedSize: UInt64(try header.u32(18)), uncompressedSize: UInt64(try header.u32(22)),
                         localHeaderOffset: offset)]
    }

    /// The member called `name`.
    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// Streams `entry`'s bytes, unpacked, to `sink` in pieces of up to a MiB; throws when they do not
    /// match the entry's CRC-32 and length.
    func extract(_ entry: Entry, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let file = try ArchiveFile(path: path)
        let header = try file.bytes(at: entry.localHeaderOffset, count: 30)
        guard try header.u32(0) == Self.localHeader else { throw file.malformed("no local header for \(entry.name)") }
        let dataOffset = entry.localHeaderOffset + 30 + UInt64(try header.u16(26)) + UInt64(try header.u16(28))
        guard dataOffset <= size, entry.compressedSize <= size - dataOffset else {
            throw file.malformed("\(entry.name) runs past the end of the file")
        }
        let inflater: RawInflater?
        switch entry.method {
        case 0: inflater = nil
        case 8: inflater = try RawInflater()
        default: throw AssetError.corruptMember(member: entry.name, reason: "compression method \(entry.method) is neither stored nor deflated")
        }
        var crc: UInt = 0
        var produced: UInt64 = 0
        func deliver(_ piece: UnsafeRawBufferPointer) throws {
            produced += UInt64(piece.count)
            guard produced <= entry.uncompressedSize else {
                throw AssetError.corruptMember(member: entry.name, reason: "more than the \(entry.uncompressedSize) bytes the archive promises")
            }
            crc = CZlib.crc32(crc, piece.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(piece.count))
            try sink(piece)
        }
        try file.seek(to: dataOffset)
        var remaining = entry.compressedSize
        while remaining > 0 {
            let piece = try file.read(Int(min(remaining, UInt64(Self.pieceSize))))
            remaining -= UInt64(piece.count)
            try piece.withUnsafeBytes { bytes in
                guard let inflater else { return try deliver(bytes) }
                do {
                    try inflater.inflate(bytes, into: deliver)
                } catch let error as InflateError {
                    throw AssetError.corruptMember(member: entry.name, reason: error.description)
                }
            }
        }
        if let inflater, !inflater.finished {
            throw AssetError.corruptMember(member: entry.name, reason: "the deflate stream ends early")
        }
        guard produced == entry.uncompressedSize else {
            throw AssetError.corruptMember(member: entry.name, reason: "\(produced) bytes, not the \(entry.uncompressedSize) the archive promises")
        }
        guard UInt32(crc) == entry.crc32 else {
            throw AssetError.corruptMember(member: entry.name, reason: "CRC-32 mismatch")
        }
    }
}

/// An open archive file: reads at offsets, with errors that name the file.
private final class ArchiveFile {
    let path: String
    let handle: FileHandle
    let size: UInt64

    init(path: String) throws {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AssetError.fileSystem(path: path, reason: "cannot open the file")
        }
        self.handle = handle
        do { size = try handle.seekToEnd() } catch { throw AssetError.fileSystem(path: path, reason: "\(error)") }
    }

    deinit { try? handle.close() }

    func malformed(_ reason: String) -> AssetError {
        .malformedArchive(path: path, reason: reason)
    }

    func seek(to offset: UInt64) throws {
        do { try handle.seek(toOffset: offset) } catch { throw AssetError.fileSystem(path: path, reason: "\(error)") }
    }

    /// Exactly `count` bytes from the current position.
    func read(_ count: Int) throws -> Data {
        let data: Data
        do { data = try handle.read(upToCount: count) ?? Data() } catch {
            throw AssetError.fileSystem(path: path, reason: "\(error)")
        }
        guard data.count == count else { throw malformed("the file ends early") }
        return data
    }

    /// Exactly `count` bytes at `offset`.
    func bytes(at offset: UInt64, count: Int) throws -> LittleEndianBytes {
        guard offset <= size, UInt64(count) <= size - offset else { throw malformed("a record runs past the end of the file") }
        try seek(to: offset)
        return LittleEndianBytes(bytes: [UInt8](try read(count)), path: path)
    }
}

/// Little-endian integers at offsets in a byte array, bounds-checked.
private struct LittleEndianBytes {
    let bytes: [UInt8]
    let path: String

    var count: Int { bytes.count }

    func slice(_ offset: Int, _ length: Int) throws -> ArraySlice<UInt8> {
        guard offset >= 0, length >= 0, offset <= bytes.count - length else {
            throw AssetError.malformedArchive(path: path, reason: "a record runs past its end")
        }
        return bytes[offset..<(offset + length)]
    }

    func u16(_ offset: Int) throws -> UInt16 { UInt16(try integer(offset, 2)) }
    func u32(_ offset: Int) throws -> UInt32 { UInt32(try integer(offset, 4)) }
    func u64(_ offset: Int) throws -> UInt64 { try integer(offset, 8) }

    private func integer(_ offset: Int, _ width: Int) throws -> UInt64 {
        try slice(offset, width).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
