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
    /// Seconds a connection may stay open without completing a request header or body part, or
    /// between requests, before it is closed (uvicorn's keep-alive timeout under vLLM is 5 s);
    /// nil never closes one. It is also the slow-header (slowloris) bound.
    public var idleTimeout: Double?
    /// Connections held open at once; more wait in the listen backlog. Keep it below the
    /// process's file-descriptor limit so that idle connections can never take every descriptor.
    public var maxConnections: Int?
    /// The largest request header section, in bytes; a larger one is refused with 431.
    public var maxHeaderSize: Int
    /// The most prompts one `/v1/completions` request may carry (each is an engine request).
    public var maxPromptsPerRequest: Int
    /// The most messages one chat request may carry.
    public var maxMessagesPerChat: Int
    /// Tokenize message content with control-token parsing, as before: text such as
    /// `<|im_start|>` in a message then becomes the control token. Off by default, so a user
    /// cannot forge turns.
    public var allowSpecialTokensInContent: Bool
    /// What goes before the `:` of every metric name: `vllm` (the default, vLLM's exact names, which
    /// routers and dashboards read) or another, such as `sluice`.
    public var metricsPrefix: String
    /// The engine facts beyond its scheduler limits that `GET /server_info` reports.
    public var engineDescription: EngineDescription
    /// How a chat answer's `<think>…</think>` thought is taken out of its content (`--reasoning-parser`);
    /// nil leaves the text whole.
    public var reasoningParser: ReasoningParserKind?
    /// The format tool calls are read in (`--tool-call-parser`); nil picks it from the chat template.
    public var toolCallParser: ToolCallParserKind?
    /// Whether a structured output constrains the thought too, from the first token, instead of waiting for
    /// `</think>` (vLLM's `--structured-outputs-config.enable_in_reasoning`, off by default as there).
    public var structuredOutputsInReasoning = false

    /// A configuration with vLLM's defaults for everything but the model name; the limits vLLM
    /// does not have (prompts per request, messages per chat, connections) are Sluice's own.
    public init(
        servedModelName: String, host: String = "127.0.0.1", port: Int = 8000, apiKey: String? = nil,
        maxBodySize: Int = 32 << 20, retryAfterSeconds: Int = 1, version: String = ServerConfiguration.defaultVersion,
        idleTimeout: Double? = 5, maxConnections: Int? = nil, maxHeaderSize: Int = 64 << 10,
        maxPromptsPerRequest: Int = 256, maxMessagesPerChat: Int = 2048, allowSpecialTokensInContent: Bool = false,
        metricsPrefix: String = "vllm", engineDescription: EngineDescription = EngineDescription(),
        reasoningParser: ReasoningParserKind? = nil, toolCallParser: ToolCallParserKind? = nil
    ) {
        self.servedModelName = servedModelName
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxBodySize = maxBodySize
        self.retryAfterSeconds = retryAfterSeconds
        self.version = version
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxHeaderSize = maxHeaderSize
        self.maxPromptsPerRequest = maxPromptsPerRequest
        self.maxMessagesPerChat = maxMessagesPerChat
        self.allowSpecialTokensInContent = allowSpecialTokensInContent
        self.metricsPrefix = metricsPrefix
        self.engineDescription = engineDescription
        self.reasoningParser = reasoningParser
        self.toolCallParser = toolCallParser
    }

    /// The format tool calls are read in for a model whose chat template is `template`: the one configured,
    /// or else the template's own.
    public func toolCallParser(forTemplate template: String?) -> ToolCallParserKind {
        toolCallParser ?? .detected(fromTemplate: template)
    }

    /// The version `GET /version` reports unless the caller sets another.
    public static let defaultVersion = "0.1.0"

    /// The name a model file is served under by default: its file name without the extension
    /// (`/models/SmolLM2-135M-Instruct.Q4_1.gguf` → `SmolLM2-135M-Instruct.Q4_1`).
    public static func defaultModelName(forModelAt path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }
}
