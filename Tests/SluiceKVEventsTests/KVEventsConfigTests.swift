import Testing
@testable import SluiceKVEvents

@Suite("--kv-events-config as vLLM spells it")
struct KVEventsConfigTests {
    @Test("vLLM's fields and defaults; events publish only when enabled, over zmq by default")
    func fields() throws {
        let config = try KVEventsConfig(json: """
            {"enable_kv_cache_events": true, "publisher": "zmq", "endpoint": "tcp://127.0.0.1:5557", "topic": "kv",
             "replay_endpoint": "tcp://*:5558", "buffer_steps": 10, "hwm": 20, "max_queue_size": 30}
            """)
        #expect(config.publishes)
        #expect(config.endpoint == "tcp://127.0.0.1:5557" && config.topic == "kv")
        #expect(config.replayEndpoint == "tcp://*:5558")
        #expect(config.bufferSteps == 10 && config.hwm == 20 && config.maxQueueSize == 30)
        let defaults = try KVEventsConfig(json: #"{"enable_kv_cache_events": true}"#)
        #expect(defaults.publisher == "zmq" && defaults.endpoint == "tcp://*:5557" && defaults.topic == "")
        #expect(defaults.bufferSteps == 10_000 && defaults.hwm == 100_000 && defaults.maxQueueSize == 100_000)
        let off = try KVEventsConfig(json: #"{"endpoint": "tcp://*:5557"}"#)
        #expect(!off.publishes && off.publisher == "null")
        #expect(try !KVEventsConfig(json: #"{"enable_kv_cache_events": true, "publisher": "null"}"#).publishes)
    }

    @Test("bind or connect by vLLM's rule: a wildcard, ::, ipc or inproc binds; a host connects")
    func bindOrConnect() {
        #expect(KVEventsConfig.isBindEndpoint("tcp://*:5557"))
        #expect(KVEventsConfig.isBindEndpoint("tcp://[::]:5557"))
        #expect(KVEventsConfig.isBindEndpoint("ipc:///tmp/kv"))
        #expect(!KVEventsConfig.isBindEndpoint("tcp://127.0.0.1:5557"))
    }

    @Test("malformed configurations are refused with a message naming the field", arguments: [
        ("not json", "expected a JSON object"),
        ("[1]", "expected a JSON object"),
        (#"{"enable_kv_cache_events": "yes"}"#, "enable_kv_cache_events"),
        (#"{"endpoint": "tcp://*:5557", "port": 1}"#, "unknown field port"),
        (#"{"publisher": "kafka"}"#, "publisher must be"),
        (#"{"endpoint": "localhost:5557"}"#, "not a ZeroMQ endpoint"),
        (#"{"endpoint": "udp://*:5557"}"#, "transport udp"),
        (#"{"endpoint": "tcp://127.0.0.1"}"#, "needs a host and a port"),
        (#"{"endpoint": "tcp://*:99999"}"#, "not 1 to 65535"),
        (#"{"endpoint": "tcp://*:5557", "replay_endpoint": "tcp://*:5557"}"#, "must differ"),
        (#"{"max_queue_size": 0}"#, "max_queue_size must be at least 1"),
    ])
    func refused(json: String, message: String) {
        do {
            _ = try KVEventsConfig(json: json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.description.hasPrefix("--kv-events-config"))
        }
    }
}
