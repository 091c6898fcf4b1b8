import Foundation

/// How the OpenAI-compatible server listens, whom it lets in and what it accepts; the fields
/// mirror `vllm serve`'s flags (`--host`, `--port`, `--api-key`, `--served-model-name`).
public struct ServerConfiguration: Sendable {
    /// The address to bind: "127.0.0.1" serves this machine only, "0.0.0.0" every interface.
    public var host: String
    /// The TCP port to listen on; 0 lets the system pick one.
    public var port: Int
    /// When set, every endpoint but `/health`, `/version` and `/metrics` needs
    /// `Authorization: Bearer <apiKey>`.
    public var apiKey: String?
    /// The model name that requests must use (or leave out) and that responses carry.
    public var servedModelName: String
    /// Request bodies larger than this many bytes are refused with 413.
    public var maxBodySize: Int
    /// The seconds a client is told to wait (`Retry-After`) when the engine's queue is full.
    public var retryAfterSeconds: Int
    /// What `GET /version` reports.
    public var version: String

    /// A configuration with vLLM's defaults for everything but the model name.
    public init(
        servedModelName: String, host: String = "127.0.0.1", port: Int = 8000, apiKey: String? = nil,
        maxBodySize: Int = 32 << 20, retryAfterSeconds: Int = 1, version: String = ServerConfiguration.defaultVersion
    ) {
        self.servedModelName = servedModelName
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxBodySize = maxBodySize
        self.retryAfterSeconds = retryAfterSeconds
        self.version = version
    }

    /// The version `GET /version` reports unless the caller sets another.
    public static let defaultVersion = "0.1.0"

    /// The name a model file is served under by default: its file name without the extension
    /// (`/models/SmolLM2-135M-Instruct.Q4_1.gguf` → `SmolLM2-135M-Instruct.Q4_1`).
    public static func defaultModelName(forModelAt path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }
}
