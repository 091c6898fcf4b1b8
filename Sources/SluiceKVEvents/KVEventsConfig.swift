import Foundation

/// `--kv-events-config`, with vLLM's fields, names and defaults (vllm/config/kv_events.py), so
/// that a deployment's JSON carries over unchanged.
public struct KVEventsConfig: Sendable, Equatable {
    /// Events are published only when this is true, as in vLLM.
    public var enableKVCacheEvents = false
    /// `zmq` or `null`; vLLM's default is `zmq` when events are on, `null` otherwise.
    public var publisher: String
    /// Where the PUB socket goes. As in vLLM's publisher, an endpoint with `*` or `::`, or an
    /// `ipc://` or `inproc://` one, is bound; any other (`tcp://host:port`) is connected to, the
    /// subscriber then being the side that binds ("bind stable, connect volatile").
    public var endpoint = "tcp://*:5557"
    /// A ROUTER endpoint (always bound) where a subscriber that missed batches asks for them
    /// again by sending the first sequence number it wants; nil has none.
    public var replayEndpoint: String?
    /// How many past batches the replay endpoint keeps.
    public var bufferSteps = 10_000
    /// The PUB socket's high-water mark: messages beyond it for a slow subscriber are dropped.
    public var hwm = 100_000
    /// Batches queued between the engine and the publisher thread; more are dropped and counted,
    /// so the engine never waits (vLLM's queue blocks instead).
    public var maxQueueSize = 100_000
    /// The first frame of every message; subscribers filter on it.
    public var topic = ""

    /// Whether a publisher should run.
    public var publishes: Bool { enableKVCacheEvents && publisher == "zmq" }

    /// Whether the PUB endpoint is bound (rather than connected), by vLLM's rule.
    public var bindsEndpoint: Bool { Self.isBindEndpoint(endpoint) }

    static func isBindEndpoint(_ endpoint: String) -> Bool {
        endpoint.contains("*") || endpoint.contains("::") || endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://")
    }

    /// Parses and checks the JSON object `json`.
    public init(json: String) throws(KVEventsError) {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(json.utf8))
        } catch let error as KVEventsError {
            throw error
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.last?.stringValue
            throw .badConfig(field.map { "\($0): \(context.debugDescription)" }
                             ?? "expected a JSON object such as {\"enable_kv_cache_events\": true} (\(context.debugDescription))")
        } catch {
            throw .badConfig("expected a JSON object such as {\"enable_kv_cache_events\": true} (\(error))")
        }
        enableKVCacheEvents = fields.enableKVCacheEvents ?? false
        publisher = fields.publisher ?? (enableKVCacheEvents ? "zmq" : "null")
        guard publisher == "zmq" || publisher == "null" else {
            throw .badConfig("publisher must be \"zmq\" or \"null\", not \"\(publisher)\"")
        }
        endpoint = fields.endpoint ?? endpoint
        replayEndpoint = fields.replayEndpoint
        for (name, value) in [("buffer_steps", fields.bufferSteps), ("hwm", fields.hwm), ("max_queue_size", fields.maxQueueSize)] {
            if let value, value < 1 { throw .badConfig("\(name) must be at least 1, not \(value)") }
        }
        bufferSteps = fields.bufferSteps ?? bufferSteps
        hwm = fields.hwm ?? hwm
        maxQueueSize = fields.maxQueueSize ?? maxQueueSize
        topic = fields.topic ?? topic
        try Self.check(endpoint: endpoint, field: "endpoint")
        if let replayEndpoint {
            try Self.check(endpoint: replayEndpoint, field: "replay_endpoint")
            guard replayEndpoint != endpoint else { throw .badConfig("replay_endpoint must differ from endpoint") }
        }
    }

    /// The JSON as sent; unknown fields are refused by name, as vLLM's config class refuses them.
    private struct Fields: Decodable {
        var enableKVCacheEvents: Bool?
        var publisher: String?
        var endpoint: String?
        var replayEndpoint: String?
        var bufferSteps: Int?
        var hwm: Int?
        var maxQueueSize: Int?
        var topic: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case publisher, endpoint, hwm, topic
            case enableKVCacheEvents = "enable_kv_cache_events"
            case replayEndpoint = "replay_endpoint"
            case bufferSteps = "buffer_steps"
            case maxQueueSize = "max_queue_size"
        }

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let names = Set(CodingKeys.allCases.map(\.rawValue))
            if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted()
                .first(where: { !names.contains($0) }) {
                throw KVEventsError.badConfig("unknown field \(unknown); the fields are \(names.sorted().joined(separator: ", "))")
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            enableKVCacheEvents = try container.decodeIfPresent(Bool.self, forKey: .enableKVCacheEvents)
            publisher = try container.decodeIfPresent(String.self, forKey: .publisher)
            endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
            replayEndpoint = try container.decodeIfPresent(String.self, forKey: .replayEndpoint)
            bufferSteps = try container.decodeIfPresent(Int.self, forKey: .bufferSteps)
            hwm = try container.decodeIfPresent(Int.self, forKey: .hwm)
            maxQueueSize = try container.decodeIfPresent(Int.self, forKey: .maxQueueSize)
            topic = try container.decodeIfPresent(String.self, forKey: .topic)
        }
    }

    /// Refuses an endpoint ZeroMQ cannot take, with a message better than its `Invalid argument`.
    static func check(endpoint: String, field: String) throws(KVEventsError) {
        let example = "such as tcp://*:5557 (bind) or tcp://127.0.0.1:5557 (connect)"
        guard let schemeEnd = endpoint.range(of: "://") else {
            throw .badConfig("\(field) \"\(endpoint)\" is not a ZeroMQ endpoint; use transport://address, \(example)")
        }
        let scheme = endpoint[..<schemeEnd.lowerBound]
        let address = endpoint[schemeEnd.upperBound...]
        switch scheme {
        case "tcp":
            guard let colon = address.lastIndex(of: ":"), !address[..<colon].isEmpty else {
                throw .badConfig("\(field) \"\(endpoint)\" needs a host and a port, \(example)")
            }
            let port = address[address.index(after: colon)...]
            guard port == "*" || (UInt16(port).map { $0 > 0 } ?? false) else {
                throw .badConfig("\(field) \"\(endpoint)\" has port \"\(port)\", which is not 1 to 65535 or *")
            }
        case "ipc", "inproc":
            guard !address.isEmpty else { throw .badConfig("\(field) \"\(endpoint)\" has no address") }
        default:
            throw .badConfig("\(field) \"\(endpoint)\" has transport \(scheme); use tcp, ipc or inproc")
        }
    }
}
