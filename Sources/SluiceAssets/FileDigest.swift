import Crypto
import Foundation

/// The sha256 of a file's contents, read in pieces.
enum FileDigest {
    static func sha256(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AssetError.fileSystem(path: path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let piece = try handle.read(upToCount: 4 << 20), !piece.isEmpty {
                hasher.update(data: piece)
            }
        } catch {
            throw AssetError.fileSystem(path: path, reason: "\(error)")
        }
        return hexadecimal(hasher.finalize())
    }

    /// Lower-case hex of `bytes`.
    static func hexadecimal(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
