import Foundation
import SluiceAssets
import Testing

/// `sluice serve --kv-events-config` refuses what it cannot publish to at start-up, with a message.
@Suite("End to end: sluice serve --kv-events-config start-up errors", .serialized)
struct KVEventsStartupTests {
    /// Runs `sluice serve` with `config` and returns its exit status and output; it must exit by itself.
    static func serve(kvEventsConfig config: String) throws -> (status: Int32, output: String) {
        let model = try DefaultModel.ensure { print($0) }
        return try OpenAIClientTests.runBlocking(OpenAIClientTests.sluiceExecutable().path, [
            "serve", model, "--port", String(try OpenAIClientTests.freePort()), "--threads", "1",
            "--kv-cache-memory", "16MiB", "--max-model-len", "256", "--kv-events-config", config,
        ])
    }

    @Test("malformed JSON, an unknown field or a malformed endpoint stops serve before it loads the model", arguments: [
        ("{enable_kv_cache_events: true}", "expected a JSON object"),
        (#"{"enable_kv_cache_events": true, "port": 5557}"#, "unknown field port"),
        (#"{"enable_kv_cache_events": true, "endpoint": "127.0.0.1:5557"}"#, "not a ZeroMQ endpoint"),
    ])
    func malformed(config: String, message: String) throws {
        let result = try Self.serve(kvEventsConfig: config)
        #expect(result.status != 0)
        #expect(result.output.contains("--kv-events-config"), "\(result.output)")
        #expect(result.output.contains(message), "\(result.output)")
    }

    @Test("an endpoint that cannot be bound (its port taken) is a start-up error naming it")
    func unbindable() throws {
        // Hold a listening socket on the port, as another server would.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try Self.serve(kvEventsConfig: #"{"enable_kv_cache_events": true, "endpoint": "tcp://*:\#(port)"}"#)
        #expect(result.status != 0)
        if result.output.contains("needs libzmq") { return }  // no libzmq here: that message is the start-up error
        #expect(result.output.contains("tcp://*:\(port)"), "\(result.output)")
        #expect(result.output.contains("bind failed"), "\(result.output)")
    }
}
