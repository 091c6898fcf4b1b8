import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
/// vLLM's `echo` on chat (`serving_chat.py`): the last message's text goes before each choice's content when
/// that message has the answer's role.
@Suite("Chat echo: the last message's text before the answer, as vLLM returns it")
struct ChatEchoTests {
    static let prefill = #"[{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "My favourite colour is"}]"#
    static let continued = #""messages": \#(prefill), "continue_final_message": true, "add_generation_prompt": false, "max_tokens": 6, "temperature": 0"#

    @Test("a continued assistant turn comes back whole: its text, then what the model added; n choices each")
    func continuedTurn() async throws {
        try await ServerFixture.withServer { client, _ in
            let plain = try await client.post("/v1/chat/completions", "{\(Self.continued)}").json
            let added = try #require(plain["choices"]?[0]?["message"]?["content"]?.string)
            let echoed = try await client.post("/v1/chat/completions", "{\(Self.continued), \"echo\": true, \"n\": 2}").json
            #expect(echoed["choices"]?.array?.count == 2)
            for index in 0..<2 {
                #expect(echoed["choices"]?[index]?["message"]?["content"] == .string("My favourite colour is" + added))
            }
            // The usage counts generated tokens only, as vLLM's.
            #expect(echoed["usage"]?["completion_tokens"] == .number(2 * (plain["usage"]?["completion_tokens"]?.double ?? 0)))
        }
    }

    @Test("with a generation prompt after a user message nothing is echoed; without one the user's text is, and the role is the user's (vLLM's role rule)")
    func roleRule() async throws {
        try await ServerFixture.withServer { client, _ in
            let question = #""messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 6, "temperature": 0"#
            let plain = try await client.post("/v1/chat/completions", "{\(question)}").json
            let echoed = try await client.post("/v1/chat/completions", "{\(question), \"echo\": true}").json
            #expect(echoed["choices"]?[0]?["message"]?["content"] == plain["choices"]?[0]?["message"]?["content"])
            let open = #""add_generation_prompt": false"#
            let bare = try await client.post("/v1/chat/completions", "{\(question), \(open)}").json
            let userEchoed = try await client.post("/v1/chat/completions", "{\(question), \(open), \"echo\": true}").json
            let text = bare["choices"]?[0]?["message"]?["content"]?.string ?? ""
            #expect(userEchoed["choices"]?[0]?["message"]?["content"] == .string("What is the capital of France?" + text))
            // The answer goes on with the user's turn, so its role is the user's, as vLLM reports it.
            #expect(userEchoed["choices"]?[0]?["message"]?["role"] == .string("user"))
            #expect(bare["choices"]?[0]?["message"]?["role"] == .string("user"))
            #expect(plain["choices"]?[0]?["message"]?["role"] == .string("assistant"))
            let streamed = try await client.post("/v1/chat/completions", "{\(question), \(open), \"stream\": true}").chunks
            #expect(streamed.first?["choices"]?[0]?["delta"]?["role"] == .string("user"))
        }
    }

    @Test("streamed, the echoed text is a chunk of its own after the role chunk, before the generated text")
    func streamed() async throws {
        try await ServerFixture.withServer { client, _ in
            let whole = try await client.post("/v1/chat/completions", "{\(Self.continued), \"echo\": true}").json
            let response = try await client.post(
                "/v1/chat/completions",
                "{\(Self.continued), \"echo\": true, \"stream\": true, \"stream_options\": {\"include_usage\": true, \"continuous_usage_stats\": true}}")
            let chunks = try response.chunks.filter { !($0["choices"]?.array?.isEmpty ?? true) }
            #expect(chunks.first?["choices"]?[0]?["delta"]?["role"] == .string("assistant"))
            #expect(chunks.dropFirst().first?["choices"]?[0]?["delta"]?["content"] == .string("My favourite colour is"))
            #expect(chunks.dropFirst().first?["usage"]?["completion_tokens"] == .number(0))
            let streamed = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.string }.joined()
            #expect(streamed == whole["choices"]?[0]?["message"]?["content"]?.string)
        }
    }
}
}
