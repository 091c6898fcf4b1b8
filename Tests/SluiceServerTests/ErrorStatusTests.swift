import Hummingbird
import HummingbirdTesting
import SluiceEngine
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Error statuses: OpenAI's error shape, and the server goes on after each")
struct ErrorStatusTests {
    /// The error object of a response with `status`.
    func error(_ response: TestResponse, _ status: HTTPResponse.Status,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        let error = try #require(try response.json["error"], sourceLocation: sourceLocation)
        #expect(error["message"]?.string?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(error["type"]?.string != nil, sourceLocation: sourceLocation)
        return error
    }

    @Test("malformed JSON, a wrong type and an out-of-range value are 400s naming the problem")
    func badRequests() async throws {
        try await ServerFixture.withServer { client, _ in
            let malformed = try error(try await client.post("/v1/completions", #"{"prompt": "Hi", "#), .badRequest)
            #expect(malformed["message"]?.string?.hasPrefix("The request body is not valid JSON") == true)
            try await client.expectServesGoodRequest()
            let wrongType = try error(try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": "ten"}"#), .badRequest)
            #expect(wrongType["param"] == .string("max_tokens"))
            try await client.expectServesGoodRequest()
            let range = try error(try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}], "temperature": -1}"#), .badRequest)
            #expect(range["param"] == .string("temperature"))
            #expect(range["message"]?.string?.contains("temperature must be >= 0") == true)
            try await client.expectServesGoodRequest()
            let notObject = try error(try await client.post("/v1/completions", #"[1, 2]"#), .badRequest)
            #expect(notObject["message"]?.string?.contains("must be an object") == true)
            try await client.expectServesGoodRequest()
        }
    }

    @Test("a bad sampling value is checked once, by the engine, and is the same 400 from the server as from the offline LLM",
          arguments: ["top_p", "min_tokens", "logit_bias"])
    func sameRefusalOnlineAndOffline(field: String) async throws {
        var params = SamplingParams(maxTokens: 10)
        let fields: String
        switch field {
        case "top_p":
            params.topP = 2
            fields = #""top_p": 2"#
        case "min_tokens":
            params.minTokens = 20
            fields = #""min_tokens": 20"#
        default:
            params.logitBias = [60_000: 1]
            fields = #""logit_bias": {"60000": 1}"#
        }
        let llm = try ServerFixture.makeLLM()
        let thrown = #expect(throws: SchedulerError.self) { _ = try llm.generate(prompts: ["Hi"], params: params) }
        let refusal = try #require(thrown)
        let offline = try #require(APIError(engineError: refusal, promptField: "prompt", retryAfterSeconds: 1))
        try await ServerFixture.withServer { client, _ in
            let online = try error(try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 10, \#(fields)}"#),
                                   .badRequest)
            #expect(online["message"] == .string(offline.message))
            #expect(online["param"] == offline.param.map(JSONValue.string))
            #expect(offline.status == .badRequest)
        }
    }

    @Test("a prompt longer than the context is a 400 with the context-length message")
    func tooLong() async throws {
        try await ServerFixture.withServer { client, _ in
            let ids = Array(repeating: 28, count: 1020)
            let error = try error(try await client.post("/v1/completions", #"{"prompt": \#(ids), "max_tokens": 16}"#), .badRequest)
            #expect(error["code"] == .string("context_length_exceeded"))
            #expect(error["message"]?.string?.hasPrefix("This model's maximum context length is 1024 tokens. However, you requested 1036 tokens (1020 in the prompt, 16 in the completion).") == true)
            let chat = try self.error(try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": \#(quoted(String(repeating: "one ", count: 1100)))}]}"#), .badRequest)
            #expect(chat["message"]?.string?.hasPrefix("This model's maximum context length is 1024 tokens.") == true)
            try await client.expectServesGoodRequest()
        }
    }

    @Test("an unknown model, an empty prompt and a token outside the vocabulary are 400s")
    func badContent() async throws {
        try await ServerFixture.withServer { client, _ in
            let model = try error(try await client.post("/v1/completions", #"{"model": "gpt-4", "prompt": "Hi"}"#), .badRequest)
            #expect(model["code"] == .string("model_not_found"))
            #expect(model["param"] == .string("model"))
            try await client.expectServesGoodRequest()
            _ = try error(try await client.post("/v1/completions", #"{"prompt": ""}"#), .badRequest)
            let token = try error(try await client.post("/v1/completions", #"{"prompt": [1, 99999999]}"#), .badRequest)
            #expect(token["message"]?.string?.contains("99999999") == true)
            try await client.expectServesGoodRequest()
        }
    }

    @Test("an unsupported feature is a 400 that names it")
    func unsupported() async throws {
        try await ServerFixture.withServer { client, _ in
            let tools = try error(try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "retrieval"}]}
                """), .badRequest)
            #expect(tools["param"] == .string("tools[0].type"))
            #expect(tools["code"] == .string("unsupported_feature"))
            let image = try error(try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]}
                """), .badRequest)
            #expect(image["message"]?.string?.contains("image_url") == true)
            let logprobs = try error(try await client.post("/v1/completions", #"{"prompt": "Hi", "logprobs": 21}"#), .badRequest)
            #expect(logprobs["param"] == .string("logprobs"))
            try await client.expectServesGoodRequest()
        }
    }

    @Test("with an API key, requests without it or with a wrong one are 401s; health, version and metrics stay open")
    func apiKey() async throws {
        try await ServerFixture.withServer(configure: { $0.apiKey = "s3cret" }) { client, _ in
            let body = #"{"prompt": "Hi", "max_tokens": 1}"#
            let missing = try error(try await client.post("/v1/completions", body), .unauthorized)
            #expect(missing["code"] == .string("invalid_api_key"))
            _ = try error(try await client.post("/v1/completions", body, headers: [.authorization: "Bearer wrong"]), .unauthorized)
            _ = try error(try await client.get("/v1/models"), .unauthorized)
            _ = try error(try await client.post("/tokenize", #"{"prompt": "Hi"}"#), .unauthorized)
            let good = try await client.post("/v1/completions", body, headers: [.authorization: "Bearer s3cret"])
            #expect(good.status == .ok)
            for path in ["/health", "/version", "/metrics"] {
                #expect(try await client.get(path).status == .ok, "\(path)")
            }
        }
    }

    @Test("an unknown path or method is a 404 in the same JSON shape")
    func notFound() async throws {
        try await ServerFixture.withServer { client, _ in
            let unknown = try error(try await client.get("/v1/engines"), .notFound)
            #expect(unknown["message"]?.string?.contains("/v1/engines") == true)
            _ = try error(try await client.get("/v1/completions"), .notFound)
            try await client.expectServesGoodRequest()
        }
    }

    @Test("a body over the configured limit is a 413")
    func tooLarge() async throws {
        try await ServerFixture.withServer(configure: { $0.maxBodySize = 1024 }) { client, _ in
            let body = #"{"prompt": \#(quoted(String(repeating: "x", count: 2000)))}"#
            let error = try error(try await client.post("/v1/completions", body), .contentTooLarge)
            #expect(error["message"]?.string?.contains("1024 bytes") == true)
            try await client.expectServesGoodRequest()
        }
    }

    @Test("a full engine queue is a 429 with Retry-After, and the server still answers")
    func queueFull() async throws {
        try await ServerFixture.withServer(configure: { $0.retryAfterSeconds = 2 }, engineOptions: { $0.maxQueuedRequests = 0 }) { client, _ in
            let response = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 1}"#)
            let error = try error(response, .tooManyRequests)
            #expect(response.headers[.retryAfter] == "2")
            #expect(error["type"] == .string("rate_limit_error"))
            #expect(try await client.get("/v1/models").status == .ok)
        }
    }
}
}
