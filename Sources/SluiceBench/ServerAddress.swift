/// The URLs of an OpenAI-compatible server, from the root the user gives (with or without `/v1`).
public struct ServerAddress: Sendable, Equatable {
    /// The server's root, such as `http://127.0.0.1:8000`.
    public let root: String

    public init(baseURL: String) throws(BenchError) {
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasSuffix("/v1") { root.removeLast(3) }
        guard root.hasPrefix("http://") || root.hasPrefix("https://") else {
            throw .badOption("--base-url '\(baseURL)' must start with http:// or https://")
        }
        self.root = root
    }

    /// The URL of `endpoint`.
    public func url(of endpoint: Endpoint) -> String { root + endpoint.path }

    /// `GET /v1/models`.
    public var models: String { root + "/v1/models" }

    /// `GET /metrics` (Prometheus text).
    public var metrics: String { root + "/metrics" }
}
