import Hummingbird
import HummingbirdTesting
import Logging
import SluiceAssets
import SluiceEngine
import SluiceModel
import Testing
@testable import SluiceServer

/// Every suite that runs the model, nested here so they run one at a time: two engines' kernel
/// threads on two cores would starve each other.
@Suite("Server on the default model", .serialized)
struct ServerModelTests {}

/// The default model, loaded once, and servers over fresh engines on it.
enum ServerFixture {
    static let modelName = "smollm2-test"

    /// The model's weights and a small engine kept only for its tokenizer: this test target
    /// reaches the tokenizer through `Engine` rather than importing SluiceTokenizer, which it does
    /// not declare.
    private static let loaded: Result<(model: any DecoderModel, loader: Engine), any Error> = Result {
        let path = try DefaultModel.ensure { print($0) }
        var options = EngineOptions()
        options.threadCount = 1
        options.kvCacheMemory = 4 << 20
        let loader = try Engine(modelPath: path, options: options)
        return (try ModelRegistry.load(GGUFFile(path: path)), loader)
    }

    /// A small engine on the default model: one kernel thread, 64 MiB of KV cache, 1024 tokens of context.
    static func makeEngine(_ configure: (inout EngineOptions) -> Void = { _ in }) throws -> Engine {
        let (model, loader) = try loaded.get()
        var options = EngineOptions()
        options.threadCount = 1
        options.kvCacheMemory = 64 << 20
        options.maxModelLength = 1024
        configure(&options)
        return try Engine(model: model, tokenizer: loader.tokenizer, options: options)
    }

    /// The offline engine on the same model and limits as ``makeEngine(_:)``.
    static func makeLLM() throws -> LLM {
        let (model, loader) = try loaded.get()
        var options = EngineOptions()
        options.threadCount = 1
        options.kvCacheMemory = 64 << 20
        options.maxModelLength = 1024
        options.maxStepLatency = .off
        return try LLM(model: model, tokenizer: loader.tokenizer, options: options)
    }

    /// Runs `test` against a server over a fresh engine, which the application's engine service
    /// shuts down when the test ends.
    static func withServer<Value: Sendable>(
        _ setup: TestingSetup = .router,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        engineOptions: (inout EngineOptions) -> Void = { _ in },
        renderer: any ChatTemplateRenderer = ChatMLRenderer(),
        log: LogRecorder = LogRecorder(),
        _ test: @Sendable (any TestClientProtocol, Engine) async throws -> Value
    ) async throws -> Value {
        let engine = try makeEngine(engineOptions)
        var configuration = ServerConfiguration(servedModelName: modelName)
        configure(&configuration)
        let app = buildApplication(engine: engine, renderer: renderer, configuration: configuration, logger: log.logger)
        return try await app.test(setup) { client in try await test(client, engine) }
    }

    /// Waits until the engine holds no request and no KV block; false after `seconds`.
    static func waitUntilIdle(_ engine: Engine, seconds: Double = 5) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let stats = engine.stats
            if stats.numRunning == 0, stats.numWaiting == 0, stats.kvCacheUsage == 0 { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

extension TestClientProtocol {
    /// POSTs a JSON body.
    func post(_ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// GETs a path.
    func get(_ path: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: path, method: .get, headers: headers)
    }

    /// The token ids of `text`, from the server's own /tokenize.
    func tokenize(_ text: String, addSpecialTokens: Bool = true) async throws -> [Int] {
        let response = try await post("/tokenize", #"{"prompt": \#(quoted(text)), "add_special_tokens": \#(addSpecialTokens)}"#)
        return try response.json["tokens"]?.ints ?? []
    }

    /// A short greedy completion's text.
    func greedyText(_ prompt: String, maxTokens: Int = 8, extra: String = "") async throws -> String {
        let response = try await post("/v1/completions", """
            {"prompt": \(quoted(prompt)), "max_tokens": \(maxTokens), "temperature": 0, "ignore_eos": true\(extra)}
            """)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json["choices"]?[0]?["text"]?.string ?? ""
    }

    /// Checks that the server still answers a good request, as after every bad one.
    func expectServesGoodRequest(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await post("/v1/completions", #"{"prompt": "Hello", "max_tokens": 2, "temperature": 0}"#)
        #expect(response.status == .ok, "\(response.text)", sourceLocation: sourceLocation)
    }
}

/// `text` as a JSON string literal.
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}
