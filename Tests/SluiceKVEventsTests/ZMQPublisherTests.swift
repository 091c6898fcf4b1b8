import CZeroMQ
import Foundation
import Testing
@testable import SluiceKVEvents

/// Needs libzmq.so.5 (scripts/setup_kv_events_python.sh installs it); without it only the
/// missing-library message is checked.
@Suite("Opening the ZeroMQ publisher")
struct ZMQPublisherTests {
    static var hasLibzmq: Bool { sluice_zmq_load(nil, 0) == 0 }

    static func config(_ json: String) throws -> KVEventsConfig { try KVEventsConfig(json: json) }

    @Test("an endpoint already bound is a clear start-up error naming the endpoint", .enabled(if: hasLibzmq))
    func addressInUse() throws {
        let port = Int.random(in: 20_000..<60_000)
        let first = try ZMQPublisher(config: Self.config(#"{"enable_kv_cache_events": true, "endpoint": "tcp://*:\#(port)"}"#))
        defer { first.shutdown() }
        do {
            let second = try ZMQPublisher(config: Self.config(#"{"enable_kv_cache_events": true, "endpoint": "tcp://*:\#(port)"}"#))
            second.shutdown()
            Issue.record("bound port \(port) twice")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("tcp://*:\(port)"))
            #expect(message.contains("bind failed"))
            #expect(message.lowercased().contains("address already in use"), "\(message)")
        }
    }

    @Test("a host ZeroMQ cannot resolve is refused at start-up", .enabled(if: hasLibzmq))
    func unresolvable() throws {
        #expect(throws: KVEventsError.self) {
            try ZMQPublisher(config: Self.config(#"{"enable_kv_cache_events": true, "endpoint": "tcp://*no such host*:5557"}"#))
        }
    }

    @Test("publishing with no subscriber never waits, and shutdown returns", .enabled(if: hasLibzmq))
    func noSubscriber() throws {
        let port = Int.random(in: 20_000..<60_000)
        let publisher = try ZMQPublisher(config: Self.config(
            #"{"enable_kv_cache_events": true, "endpoint": "tcp://*:\#(port)", "max_queue_size": 4}"#))
        for _ in 0..<10_000 { publisher.publish([.allBlocksCleared]) }
        publisher.shutdown()
        publisher.shutdown()
    }

    @Test("the missing-library message says what to install")
    func missingMessage() {
        let message = KVEventsError.libzmqMissing("libzmq.so.5: cannot open shared object file").description
        #expect(message.contains("apt-get install libzmq5"))
        #expect(message.contains("--kv-events-config"))
    }
}
