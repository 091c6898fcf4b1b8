import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("POST /v1/chat/completions/render and /v1/completions/render: rendered, never generated")
struct RenderHandlerTests {
    static let question = #"[{"role": "user", "content": "What is the capital of France?"}]"#

    @Test("chat render returns the prompt's token ids (those chat completions would submit), its text and the sampling params")
    func chat() async throws {
        try await ServerFixture.withServer { client, engine in
            let rendered = ChatMLRenderer().render(
                messages: [ChatMessage(role: "user", content: "What is the capital of France?")], addGenerationPrompt: true)
            let expected = try await client.tokenize(rendered, addSpecialTokens: false)
            let response = try await client.post("/v1/chat/completions/render", #"{"messages": \#(Self.question), "max_tokens": 7, "temperature": 0.5, "stop": ["x"], "seed": 3}"#)
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            #expect(json["request_id"]?.string?.hasPrefix("chatcmpl-") == true)
            #expect(json["token_ids"]?.ints == expected)
            #expect(json["prompt"] == .string(rendered))
            #expect(json["model"] == .string(ServerFixture.modelName))
            #expect(json["stream"] == .bool(false))
            let params = try #require(json["sampling_params"])
            #expect(params["max_tokens"] == .number(7))
            #expect(params["temperature"] == .number(0.5))
            #expect(params["stop"]?.strings == ["x"])
            #expect(params["seed"] == .number(3))
            #expect(params["n"] == .number(1))
            let chat = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 1}"#).json
            #expect(chat["usage"]?["prompt_tokens"]?.int == expected.count)
            // Without max_tokens, the rest of the context, as chat completions defaults it.
            let open = try await client.post("/v1/chat/completions/render", #"{"messages": \#(Self.question)}"#).json
            #expect(open["sampling_params"]?["max_tokens"]?.int == 1024 - expected.count)
            #expect(engine.stats.numRunning == 0 && engine.stats.numWaiting == 0)
        }
    }

    @Test("completions render returns one request per prompt, token-id prompts as given")
    func completions() async throws {
        try await ServerFixture.withServer { client, _ in
            let hello = try await client.tokenize("Hello there")
            let response = try await client.post("/v1/completions/render", #"{"prompt": ["Hello there", "Bye"], "stream": true}"#)
            #expect(response.status == .ok, "\(response.text)")
            let list = try #require(response.json.array)
            #expect(list.count == 2)
            #expect(list[0]["token_ids"]?.ints == hello)
            #expect(list[0]["prompt"] == .string("Hello there"))
            #expect(list[1]["prompt"] == .string("Bye"))
            #expect(list.allSatisfy { $0["sampling_params"]?["max_tokens"] == .number(16) && $0["stream"] == .bool(true) })
            #expect(list[0]["request_id"]?.string?.hasSuffix("-0") == true)
            let ids = try await client.post("/v1/completions/render", #"{"prompt": [5, 6, 7]}"#).json
            #expect(ids[0]?["token_ids"]?.ints == [5, 6, 7])
        }
    }

    @Test("render refuses what generation would refuse, with the same 400", arguments: [
        ("/v1/chat/completions/render", #"{"messages": [{"role": "user", "content": "Hi"}], "top_p": 2}"#, "top_p"),
        ("/v1/chat/completions/render", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5000}"#, "messages"),
        ("/v1/completions/render", #"{"prompt": [999999]}"#, "prompt"),
        ("/v1/completions/render", #"{"prompt": "Hi", "model": "other"}"#, "model"),
        ("/v1/completions/render", #"{"prompt": "Hi", "suffix": "x"}"#, "suffix"),
    ])
    func refusals(path: String, body: String, param: String) async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post(path, body)
            #expect(response.status == .badRequest)
            #expect(try response.json["error"]?["param"] == .string(param), "\(response.text)")
        }
    }
}
}
