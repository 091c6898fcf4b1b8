import AsyncHTTPClient
import Foundation
import NIOCore

/// Sends benchmark requests to one server and times their streams.
public struct StreamingClient: Sendable {
    private let http: HTTPClient
    private let address: ServerAddress
    private let endpoint: Endpoint
    private let model: String
    private let ignoreEOS: Bool
    private let apiKey: String?
    /// The JSON schema every request is constrained to, as JSON text; nil for free text.
    private let jsonSchema: String?

    /// How long a single request may take before it counts as failed.
    static let requestTimeout = TimeAmount.hours(2)

    public init(http: HTTPClient, address: ServerAddress, endpoint: Endpoint, model: String, ignoreEOS: Bool,
                apiKey: String?, jsonSchema: String? = nil) {
        self.jsonSchema = jsonSchema
        self.http = http
        self.address = address
        self.endpoint = endpoint
        self.model = model
        self.ignoreEOS = ignoreEOS
        self.apiKey = apiKey
    }

    /// An HTTP client whose pool opens a connection per request in flight: the default soft
    /// limit of 8 per host would queue requests in the client and hide the server's own queueing.
    ///
    /// Each connection carries one request: a server may close an idle keep-alive connection just
    /// as the client reuses it (llama-server does), failing a request that never reached it. A new
    /// connection costs a fraction of a millisecond on loopback, small beside any TTFT.
    public static func makeHTTPClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.maximumUsesPerConnection = 1
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, connections))
        configuration.timeout = .init(connect: .seconds(10), read: .minutes(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends `prompt`, reads its stream to the end and returns what it measured. Never throws:
    /// a failure is an outcome with its message, so one bad request never stops a run.
    public func send(_ prompt: BenchPrompt) async -> RequestOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double { start.duration(to: clock.now).inSeconds }
        func failure(_ message: String) -> RequestOutcome {
            RequestOutcome(promptTokens: prompt.promptTokens, failure: message, latency: elapsed())
        }
        var request = HTTPClientRequest(url: address.url(of: endpoint))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let body = RequestBody(endpoint: endpoint, model: model, prompt: prompt, ignoreEOS: ignoreEOS)
        request.body = .bytes(ByteBuffer(bytes: body.encoded(jsonSchema: jsonSchema)))
        do {
            let response = try await http.execute(request, timeout: Self.requestTimeout)
            guard response.status == .ok else {
                let text = (try? await response.body.collect(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
                return failure("HTTP \(response.status.code): \(Self.errorMessage(inBody: text))")
            }
            var parser = ServerSentEventParser()
            var contentTimes: [Double] = []
            var usageTokens: Int?
            var end: Double?
            for try await buffer in response.body {
                let now = elapsed()
                for payload in parser.feed(buffer.readableBytesView) where end == nil {
                    switch try StreamChunk(payload: payload) {
                    case .done:
                        end = now
                    case .error(let message):
                        return failure("error event: \(message)")
                    case .chunk(let text, let completionTokens):
                        if !text.isEmpty { contentTimes.append(now) }
                        if let completionTokens { usageTokens = completionTokens }
                    }
                }
            }
            // A server that closes without `[DONE]` (older llama-server) ends the stream at the close.
            return RequestOutcome(promptTokens: prompt.promptTokens, outputTokens: usageTokens ?? contentTimes.count,
                                  contentTimes: contentTimes, end: end ?? elapsed())
        } catch {
            return failure(Self.describe(error))
        }
    }

    /// The message of an OpenAI-shaped error body, or the body itself cut short.
    static func errorMessage(inBody text: String) -> String {
        struct Body: Decodable {
            struct Inner: Decodable { var message: String? }
            var error: Inner?
            var message: String?
        }
        if let body = try? JSONDecoder().decode(Body.self, from: Data(text.utf8)),
           let message = body.error?.message ?? body.message {
            return message
        }
        return text.isEmpty ? "(empty body)" : String(text.prefix(300))
    }

    /// A transport error in one line.
    static func describe(_ error: any Error) -> String {
        String(String(describing: error).prefix(300))
    }
}
