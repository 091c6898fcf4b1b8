import Foundation
import Testing
@testable import SluiceAssets

@Suite("The sha256 of a file")
struct FileDigestTests {
    @Test("matches FIPS 180-2's vectors; a missing file is an error")
    func vectors() throws {
        let folder = try TestWheels()
        defer { folder.remove() }
        func digest(_ bytes: [UInt8]) throws -> String {
            let path = folder.folder.appendingPathComponent(UUID().uuidString)
            try Data(bytes).write(to: path)
            return try FileDigest.sha256(ofFileAt: path.path)
        }
        #expect(try digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try digest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million "a".
        #expect(try digest([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(throws: AssetError.self) { _ = try FileDigest.sha256(ofFileAt: folder.folder.appendingPathComponent("none").path) }
    }
}
