/// Why KV-cache events could not be set up; each message names the field or the fix.
public enum KVEventsError: Error, Equatable, CustomStringConvertible {
    /// The `--kv-events-config` JSON is malformed or has a bad field.
    case badConfig(String)
    /// libzmq could not be loaded.
    case libzmqMissing(String)
    /// Binding or connecting a socket failed.
    case socket(endpoint: String, reason: String)

    public var description: String {
        switch self {
        case .badConfig(let message):
            return "--kv-events-config: \(message)"
        case .libzmqMissing(let reason):
            return """
                --kv-events-config needs libzmq (libzmq.so.5), which could not be loaded (\(reason)); \
                install it (Debian and Ubuntu: apt-get install libzmq5) or leave KV events off
                """
        case .socket(let endpoint, let reason):
            return "--kv-events-config: cannot open the ZeroMQ endpoint \(endpoint): \(reason)"
        }
    }
}
