import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("GET /v1/models, /health, /version; POST /tokenize, /detokenize")
struct InfoEndpointTests {
    @Test("/v1/models lists the served model with its context length")
    func models() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.get("/v1/models").json
            #expect(json["object"] == .string("list"))
            let model = try #require(json["data"]?[0])
            #expect(model["id"] == .string(ServerFixture.modelName))
            #expect(model["object"] == .string("model"))
            #expect(model["owned_by"] == .string("sluice"))
            #expect(model["max_model_len"] == .number(1024))
        }
    }

    @Test("/health answers 200 and /version reports the configured version")
    func healthAndVersion() async throws {
        try await ServerFixture.withServer(configure: { $0.version = "9.9.9" }) { client, _ in
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            let version = try await client.get("/version").json
            #expect(version == .object(["version": .string("9.9.9")]))
        }
    }

    @Test("/tokenize counts a prompt's tokens and a conversation's as the chat template renders it")
    func tokenize() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/tokenize", #"{"prompt": "Hello world"}"#).json
            let tokens = try #require(json["tokens"]?.array)
            #expect(!tokens.isEmpty)
            #expect(json["count"] == .number(Double(tokens.count)))
            #expect(json["max_model_len"] == .number(1024))
            let rendered = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
            let expected = try await client.tokenize(rendered, addSpecialTokens: false)
            let chat = try await client.post("/tokenize", #"{"messages": [{"role": "user", "content": "Hi"}]}"#).json
            #expect(chat["tokens"]?.ints == expected)
            let open = try await client.post("/tokenize", #"{"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": false}"#).json
            #expect((open["count"]?.int ?? 0) < expected.count)
        }
    }

    @Test("/detokenize turns token ids back into the text, and refuses ids outside the vocabulary")
    func detokenize() async throws {
        try await ServerFixture.withServer { client, _ in
            let ids = try await client.tokenize("Hello world, <|im_end|>", addSpecialTokens: false)
            let json = try await client.post("/detokenize", #"{"tokens": \#(ids)}"#).json
            #expect(json["prompt"] == .string("Hello world, <|im_end|>"))
            let bad = try await client.post("/detokenize", #"{"tokens": [-1]}"#)
            #expect(bad.status == .badRequest)
            #expect(try bad.json["error"]?["param"] == .string("tokens"))
        }
    }
}
}
