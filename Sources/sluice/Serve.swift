import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SluiceEngine
import SluiceAssets
import SluiceModel
import SluiceKVEvents
import SluiceServer
import SluiceCPU
import SluiceTokenizer

/// `sluice serve`: the OpenAI-compatible server, with flags shaped like `vllm serve`'s.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over the OpenAI API (completions, chat, models, tokenize, metrics).")

    @Argument(help: "A GGUF file, or a catalog name (`sluice models`) fetched on first use; default: smollm2-135m.")
    var model: String?

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int = 8000

    @Option(help: "Require `Authorization: Bearer KEY` on the API (default: $SLUICE_API_KEY, else open).")
    var apiKey: String?

    @Option(help: "The model name clients use (default: the file name without .gguf).")
    var servedModelName: String?

    @Option(help: "A Jinja chat template file to use instead of the model's own.")
    var chatTemplate: String?

    @Option(help: "Refuse requests (429) while this many wait.")
    var maxQueuedRequests: Int?

    @Option(help: "Close a connection idle this many seconds, or one whose request header or body stalls that long (0: never).")
    var idleTimeout: Double = 5

    @Option(help: "Connections held open at once (default: the open-file limit, raised at start-up, less \(OpenFileLimit.reserved)).")
    var maxConnections: Int?

    @Option(help: "The most prompts one /v1/completions request may carry.")
    var maxPromptsPerRequest: Int = 256

    @Option(help: "The most messages one chat request may carry.")
    var maxMessagesPerChat: Int = 2048

    @Flag(help: "Parse control tokens such as <|im_start|> in chat message text (lets users forge turns).")
    var allowSpecialTokensInContent = false

    @Option(help: "On SIGTERM or SIGINT, seconds the requests in flight get to finish before they are aborted (each stream then ends with finish_reason \"abort\"); 0 aborts them at once.")
    var shutdownTimeout: Double = 30

    @Option(help: "The prefix of every metric name on /metrics: vllm (vLLM's exact names, which routers and dashboards read) or another, such as sluice.")
    var metricsPrefix: String = "vllm"

    @Option(help: """
        Publish KV-cache events (blocks cached, evicted, cleared) over ZeroMQ for routers, as vLLM does; JSON with \
        vLLM's fields, e.g. '{"enable_kv_cache_events": true, "endpoint": "tcp://*:5557", "topic": "kv"}'. \
        Needs libzmq (libzmq5).
        """)
    var kvEventsConfig: String?

    @Option(help: "Take <think>…</think> thoughts out of chat answers into reasoning_content: qwen3 or deepseek_r1 (as vLLM's --reasoning-parser).")
    var reasoningParser: String?

    @Option(help: """
        The format tool calls are read in: hermes, llama3_json, mistral or pythonic (as vLLM's --tool-call-parser); \
        auto picks it from the chat template.
        """)
    var toolCallParser: String = "auto"

    @Flag(help: "With --reasoning-parser, let structured outputs constrain the thought too instead of starting after </think> (vLLM's structured-outputs-config.enable_in_reasoning).")
    var structuredOutputsInReasoning = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @OptionGroup var engineFlags: EngineFlags

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        if let maxQueuedRequests, maxQueuedRequests < 1 { throw ValidationError("--max-queued-requests must be at least 1") }
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must be 0 or more seconds") }
        guard shutdownTimeout.isFinite, shutdownTimeout >= 0 else {
            throw ValidationError("--shutdown-timeout must be 0 or more seconds")
        }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        guard maxPromptsPerRequest >= 1 else { throw ValidationError("--max-prompts-per-request must be at least 1") }
        guard maxMessagesPerChat >= 1 else { throw ValidationError("--max-messages-per-chat must be at least 1") }
        if let kvEventsConfig {
            do { _ = try KVEventsConfig(json: kvEventsConfig) } catch { throw ValidationError(error.description) }
        }
        if let reasoningParser, ReasoningParserKind(rawValue: reasoningParser) == nil {
            let names = ReasoningParserKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--reasoning-parser: unknown parser \(reasoningParser); choose one of \(names)")
        }
        if toolCallParser != "auto", ToolCallParserKind(rawValue: toolCallParser) == nil {
            throw ValidationError("--tool-call-parser: unknown parser \(toolCallParser); choose one of \(ToolCallParserKind.flagValues)")
        }
        guard Self.isMetricPrefix(metricsPrefix) else {
            throw ValidationError("--metrics-prefix must be a letter or _ followed by letters, digits or _, such as vllm or sluice")
        }
    }

    func run() async throws {
        var logger = Logger(label: "sluice")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        do {
            let path = try ModelReference.path(for: model) { logger.info("\($0)") }
            if try ModelFormat.of(path: path) == .huggingFaceFolder {
                // A Hugging Face folder: an encoder (BERT) with its tokenizer.json.
                let tokenizer = try makeTokenizer(tokenizerJSONAt: (path as NSString).appendingPathComponent("tokenizer.json"))
                try await serveEmbeddings(model: try ModelRegistry.loadEncoder(folder: path), tokenizer: tokenizer,
                                          tokenizerName: "tokenizer.json", path: path, logger: logger)
                return
            }
            let file = try GGUFFile(path: path)
            if ModelRegistry.isEncoder(file) {
                try await serveEmbeddings(model: try ModelRegistry.loadEncoder(file),
                                          tokenizer: try? makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file)),
                                          tokenizerName: file.string("tokenizer.ggml.model") ?? "unknown", path: path, logger: logger)
                return
            }
            let loaded = try LoadedModel(path: path)
            let override = try chatTemplate.map { try String(contentsOfFile: $0, encoding: .utf8) }
            let renderer = try JinjaChatRenderer.forModel(file: loaded.file, tokenizer: loaded.tokenizer,
                                                          overrideSource: override)
            var options = try engineFlags.optionsLoadingDraftModel { logger.info("\($0)") }
            options.maxQueuedRequests = maxQueuedRequests
            let publisher = try makeKVEventPublisher(logger: logger)
            options.kvEventSink = publisher
            defer { publisher?.shutdown() }
            let engine = try Engine(model: loaded.model, tokenizer: loaded.tokenizer, options: options)
            let fileLimit = OpenFileLimit.raiseSoftLimit()
            let configuration = serverConfiguration(
                path: path, fileLimit: fileLimit,
                engineDescription: EngineDescription(
                    modelPath: path, architecture: loaded.file.string("general.architecture"),
                    kvCacheDType: options.kvCacheDType.rawValue, threadCount: options.threadCount))
            let capacity = engine.config.kvCapacity
            logger.info("""
                serving \(configuration.servedModelName) on http://\(host):\(port) — \
                KV cache \(capacity.numUsableBlocks) blocks of \(capacity.blockSize) tokens, \
                max model length \(engine.config.maxModelLength) (\(capacity.maxSequences(ofLength: engine.config.maxModelLength)) \
                such sequences fit at once), \(options.threadCount) threads
                """)
            logger.info("\(Self.describeStepPlanning(engine))")
            logger.info("""
                connections: at most \(configuration.maxConnections ?? 0) (open-file limit \(fileLimit)), \
                idle timeout \(configuration.idleTimeout.map { "\($0) s" } ?? "off")
                """)
            let toolCallFormat = configuration.toolCallParser(forTemplate: renderer.templateSource)
            logger.info("tool calls read as \(toolCallFormat.rawValue)\(configuration.toolCallParser == nil ? " (from the chat template)" : "")")
            let app = buildApplication(engine: engine, renderer: renderer, configuration: configuration, logger: logger)
            // The drain listed last: on a signal its timer starts first (services stop in reverse order).
            let drain = ShutdownDrain(engine: engine, timeout: .milliseconds(Int64((shutdownTimeout * 1000).rounded())),
                                      logger: logger)
            let group = ServiceGroup(configuration: .init(
                services: [app, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            logger.error("\(error)")
            throw ExitCode.failure
        }
    }
}

extension Serve {
    /// Serves an embedding model: `/v1/embeddings` over an `EmbeddingEngine`, the generating endpoints
    /// answering 400. Text input needs a tokenizer Sluice has for the model's vocabulary; token ids always work.
    func serveEmbeddings(model: any EncoderModel, tokenizer: (any Tokenizer)?, tokenizerName: String, path: String,
                         logger: Logger) async throws {
        let options = engineFlags.options
        let engine = EmbeddingEngine(model: model, backend: CPUBackend(threadCount: options.threadCount),
                                     maxBatchTokens: options.maxNumBatchedTokens)
        let configuration = serverConfiguration(path: path, fileLimit: OpenFileLimit.raiseSoftLimit())
        let c = model.configuration
        let textInput = tokenizer == nil
            ? "; text input unavailable (tokenizer \(tokenizerName) not supported yet), token ids only" : ""
        logger.info("""
            serving \(configuration.servedModelName) (embedding model, \(c.architecture), \(c.hiddenSize) dimensions, \
            \(c.pooling.rawValue) pooling, context \(c.contextLength)) on http://\(host):\(port) — passes of up to \
            \(engine.maxBatchTokens) tokens, \(options.threadCount) threads\(textInput)
            """)
        let app = buildEmbeddingApplication(engine: engine, tokenizer: tokenizer, tokenizerName: tokenizerName,
                                            configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The server's configuration from the flags, for the model at `path`.
    func serverConfiguration(path: String, fileLimit: Int, engineDescription: EngineDescription = EngineDescription())
        -> ServerConfiguration {
        var configuration = ServerConfiguration(
            servedModelName: servedModelName ?? ServerConfiguration.defaultModelName(forModelAt: path),
            host: host, port: port,
            apiKey: apiKey ?? ProcessInfo.processInfo.environment["SLUICE_API_KEY"],
            idleTimeout: idleTimeout > 0 ? idleTimeout : nil,
            maxConnections: maxConnections ?? OpenFileLimit.maxConnections(softLimit: fileLimit),
            maxPromptsPerRequest: maxPromptsPerRequest, maxMessagesPerChat: maxMessagesPerChat,
            allowSpecialTokensInContent: allowSpecialTokensInContent, metricsPrefix: metricsPrefix,
            engineDescription: engineDescription, reasoningParser: reasoningParser.flatMap(ReasoningParserKind.init(rawValue:)),
            toolCallParser: ToolCallParserKind(rawValue: toolCallParser))
        configuration.structuredOutputsInReasoning = structuredOutputsInReasoning
        return configuration
    }

    /// The KV-event publisher `--kv-events-config` asks for, bound or connected; nil when events are off.
    func makeKVEventPublisher(logger: Logger) throws -> ZMQPublisher? {
        guard let kvEventsConfig else { return nil }
        let config = try KVEventsConfig(json: kvEventsConfig)
        guard config.publishes else {
            logger.warning("""
                --kv-events-config: no KV events are published (enable_kv_cache_events is \(config.enableKVCacheEvents), \
                publisher \(config.publisher)); set "enable_kv_cache_events": true to publish them
                """)
            return nil
        }
        let publisher = try ZMQPublisher(config: config)
        logger.info("""
            KV events: \(config.bindsEndpoint ? "bound" : "connected to") \(config.endpoint), topic "\(config.topic)"\
            \(config.replayEndpoint.map { ", replay on \($0)" } ?? "")
            """)
        return publisher
    }

    /// Whether `prefix` can start a Prometheus metric name before the `:`.
    static func isMetricPrefix(_ prefix: String) -> Bool {
        guard let first = prefix.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return prefix.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// How steps are sized, for the start-up log: the time target and the measured step cost.
    static func describeStepPlanning(_ engine: Engine) -> String {
        let target: String
        switch engine.config.maxStepLatency {
        case .automatic: target = "automatic (max(50 ms, 2 × a step's decodes, its decodes + 64 prompt tokens))"
        case .fixed(let seconds): target = String(format: "%.0f ms", seconds * 1000)
        case .off: target = "off"
        }
        let cost = engine.stepCostModel.map { "step cost \($0)" } ?? "no step cost model"
        return "step time target \(target); \(cost); scheduling policy \(engine.config.schedulingPolicy.rawValue)"
    }
}
