import Foundation
import SluiceEngine
import SluiceKVEvents
import Testing
@testable import SluiceServer

/// The venv with pyzmq, msgspec and msgpack and the libzmq the publisher loads, from
/// scripts/setup_kv_events_python.sh; nil (and the suite skipped) when libzmq cannot be
/// installed on this machine.
enum KVEventsSetup {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let python: String? = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.appendingPathComponent("scripts/setup_kv_events_python.sh").path]
        let output = Pipe()
        process.standardOutput = output
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 3 {
            print("skipping the KV-event tests: libzmq.so.5 is missing and cannot be installed here")
            return nil
        }
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init)
    }()

    /// A loopback TCP port nothing listens on now.
    static func freePort() -> Int { Int.random(in: 20_000..<60_000) }
}

/// scripts/kv_events_subscriber.py running against a publisher, reporting what it rebuilt.
struct KVEventSubscriber {
    let process: Process
    let output: Pipe

    struct Report: Decodable {
        var cached: [String]
        var sequences: [Int]
        var counts: [String: Int]
        var topics: [String]
        var problems: [String]
        var live: Int
    }

    /// Starts the subscriber and waits until it has subscribed.
    static func start(python: String, arguments: [String]) throws -> KVEventSubscriber {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [KVEventsSetup.root.appendingPathComponent("scripts/kv_events_subscriber.py").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The first line is "ready".
        var line = Data()
        while line.last != UInt8(ascii: "\n") {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        try #require(String(decoding: line, as: UTF8.self) == "ready\n", "the subscriber did not start")
        return KVEventSubscriber(process: process, output: output)
    }

    /// Stops the subscriber (SIGTERM) and reads its report.
    func finish() throws -> Report {
        process.terminate()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let last = try #require(String(decoding: data, as: UTF8.self).split(separator: "\n").last)
        return try JSONDecoder().decode(Report.self, from: Data(last.utf8))
    }
}

extension ServerModelTests {
@Suite("KV-cache events over ZeroMQ", .enabled(if: KVEventsSetup.python != nil))
struct KVEventsTests {
    /// A cache of a few blocks, so that distinct prompts evict each other's blocks.
    static func smallCache(_ options: inout EngineOptions) {
        options.kvCacheMemory = 3 << 20
        options.maxModelLength = 64
    }

    static let prompts = [
        "The history of the river begins in the mountains, where snow melts every spring and runs down to the valley",
        "A recipe for bread: mix flour, water, salt and yeast, then knead the dough for ten minutes and let it rise",
        "In the year of the great storm, the harbour town lost its lighthouse, and the fishermen built a new one",
        "The history of the river begins in the mountains, where snow melts every spring and runs down to the valley",
        "Chess openings differ in how quickly they fight for the centre: the king's gambit gives a pawn for speed",
        "A recipe for bread: mix flour, water, salt and yeast, then knead the dough for ten minutes and let it rise",
    ]

    @Test("a subscriber decodes every batch as vLLM's structs and rebuilds exactly the engine's cached block set")
    func rebuildsCachedSet() async throws {
        let python = try #require(KVEventsSetup.python)
        let port = KVEventsSetup.freePort()
        let publisher = try ZMQPublisher(config: KVEventsConfig(json: """
            {"enable_kv_cache_events": true, "endpoint": "tcp://*:\(port)", "replay_endpoint": "tcp://*:\(port + 1)",
             "topic": "kv"}
            """))
        defer { publisher.shutdown() }
        let subscriber = try KVEventSubscriber.start(python: python, arguments: [
            "--endpoint", "tcp://127.0.0.1:\(port)", "--topic", "kv", "--replay", "tcp://127.0.0.1:\(port + 1)", "--seconds", "300",
        ])
        defer { if subscriber.process.isRunning { subscriber.process.terminate() } }
        let engineHashes = try await ServerFixture.withServer(engineOptions: {
            Self.smallCache(&$0)
            $0.kvEventSink = publisher
        }) { client, engine in
            for prompt in Self.prompts { _ = try await client.greedyText(prompt, maxTokens: 8) }
            #expect(try await ServerFixture.waitUntilIdle(engine))
            return engine.cachedBlockHashes
        }
        let report = try subscriber.finish()
        #expect(report.problems.isEmpty, "\(report.problems)")
        let expected = try #require(engineHashes)
        #expect(!expected.isEmpty)
        #expect(Set(report.cached) == Set(expected.map(\.description)))
        #expect(report.topics.allSatisfy { $0 == "kv" })
        #expect((report.counts["BlockStored"] ?? 0) > 0)
        // The cache holds a few blocks, so later prompts evicted earlier ones' blocks.
        #expect((report.counts["BlockRemoved"] ?? 0) > 0)
        #expect(report.live > 0)
        #expect(publisher.numDroppedBatches == 0)
    }

    @Test("a subscriber that goes away, or an endpoint nobody listens on, never holds up the engine")
    func goneSubscriber() async throws {
        let python = try #require(KVEventsSetup.python)
        let port = KVEventsSetup.freePort()
        let bound = try ZMQPublisher(config: KVEventsConfig(json: """
            {"enable_kv_cache_events": true, "endpoint": "tcp://*:\(port)", "hwm": 2, "max_queue_size": 2}
            """))
        defer { bound.shutdown() }
        let subscriber = try KVEventSubscriber.start(python: python, arguments: ["--endpoint", "tcp://127.0.0.1:\(port)"])
        subscriber.process.interrupt()
        subscriber.process.waitUntilExit()
        // Connected to a port nobody binds: ZeroMQ keeps retrying and drops past the high-water mark.
        let unreachable = try ZMQPublisher(config: KVEventsConfig(json: """
            {"enable_kv_cache_events": true, "endpoint": "tcp://127.0.0.1:\(KVEventsSetup.freePort())", "hwm": 2}
            """))
        defer { unreachable.shutdown() }
        for publisher in [bound, unreachable] {
            try await ServerFixture.withServer(engineOptions: {
                Self.smallCache(&$0)
                $0.kvEventSink = publisher
            }) { client, engine in
                for prompt in Self.prompts.prefix(4) {
                    let text = try await client.greedyText(prompt, maxTokens: 8)
                    #expect(!text.isEmpty)
                }
                let idle = try await ServerFixture.waitUntilIdle(engine)
                #expect(idle)
                #expect(engine.cachedBlockHashes?.isEmpty == false)
            }
        }
    }
}
}
