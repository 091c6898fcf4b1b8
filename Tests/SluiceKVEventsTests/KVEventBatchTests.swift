import Foundation
import SluiceEngine
import Testing
@testable import SluiceKVEvents

@Suite("KV-event batches in vLLM's msgpack layout")
struct KVEventBatchTests {
    /// One case of Resources/kv_event_batches.json (scripts/make_kv_event_fixtures.py): a batch and
    /// the bytes msgspec writes for it with vLLM's struct declarations.
    struct Case: Decodable {
        struct Event: Decodable {
            var type: String
            var blockHashes: [String]?
            var parentBlockHash: String?
            var tokenIDs: [Int]?
            var blockSize: Int?

            enum CodingKeys: String, CodingKey {
                case type
                case blockHashes = "block_hashes"
                case parentBlockHash = "parent_block_hash"
                case tokenIDs = "token_ids"
                case blockSize = "block_size"
            }
        }

        var name: String
        var ts: Double
        var events: [Event]
        var msgpackHex: String

        enum CodingKeys: String, CodingKey {
            case name, ts, events
            case msgpackHex = "msgpack_hex"
        }
    }

    static let cases: [Case] = {
        struct File: Decodable { var cases: [Case] }
        guard let url = Bundle.module.url(forResource: "Resources/kv_event_batches", withExtension: "json"),
              let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.cases
    }()

    static func hash(_ hex: String) throws -> BlockHash {
        try #require(hex.count == 32)
        let high = try #require(UInt64(hex.prefix(16), radix: 16))
        let low = try #require(UInt64(hex.suffix(16), radix: 16))
        return BlockHash(high: high, low: low)
    }

    static func event(_ event: Case.Event) throws -> KVCacheEvent {
        switch event.type {
        case "BlockStored":
            return .blockStored(
                blockHashes: try (event.blockHashes ?? []).map(hash), parentBlockHash: try event.parentBlockHash.map(hash),
                tokenIDs: event.tokenIDs ?? [], blockSize: event.blockSize ?? 0)
        case "BlockRemoved":
            return .blockRemoved(blockHashes: try (event.blockHashes ?? []).map(hash))
        default:
            return .allBlocksCleared
        }
    }

    @Test("the fixtures load")
    func fixtures() {
        #expect(Self.cases.count == 4)
    }

    @Test("each batch encodes to exactly the bytes msgspec writes with vLLM's structs", arguments: cases.map(\.name))
    func matchesMsgspec(name: String) throws {
        let fixture = try #require(Self.cases.first { $0.name == name })
        let batch = KVEventBatch(timestamp: fixture.ts, events: try fixture.events.map(Self.event))
        let hex = batch.encoded().map { String(format: "%02x", $0) }.joined()
        #expect(hex == fixture.msgpackHex)
    }

    @Test("a block hash's bytes are its two lanes big-endian, whose hex is its description")
    func hashBytes() {
        let hash = BlockHash(high: 0x0102_0304_0506_0708, low: 0xF0E0_D0C0_B0A0_9080)
        #expect(hash.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 0xF0, 0xE0, 0xD0, 0xC0, 0xB0, 0xA0, 0x90, 0x80])
        #expect(hash.bytes.map { String(format: "%02x", $0) }.joined() == hash.description)
    }

    @Test("integers and strings take msgpack's shortest forms at every boundary")
    func integerForms() {
        func encoded(_ body: (inout MessagePackWriter) -> Void) -> [UInt8] {
            var writer = MessagePackWriter()
            body(&writer)
            return writer.bytes
        }
        #expect(encoded { $0.write(127) } == [0x7F])
        #expect(encoded { $0.write(128) } == [0xCC, 0x80])
        #expect(encoded { $0.write(65_536) } == [0xCE, 0, 1, 0, 0])
        #expect(encoded { $0.write(1 << 32) } == [0xCF, 0, 0, 0, 1, 0, 0, 0, 0])
        #expect(encoded { $0.write(-1) } == [0xFF])
        #expect(encoded { $0.write(-33) } == [0xD0, 0xDF])
        #expect(encoded { $0.write(-129) } == [0xD1, 0xFF, 0x7F])
        #expect(encoded { $0.write(String(repeating: "a", count: 32)) }.prefix(2) == [0xD9, 32])
        #expect(encoded { $0.writeArrayHeader(65_536) } == [0xDD, 0, 1, 0, 0])
        #expect(encoded { $0.write(binary: [UInt8](repeating: 0, count: 256)) }.prefix(3) == [0xC5, 1, 0])
    }
}
