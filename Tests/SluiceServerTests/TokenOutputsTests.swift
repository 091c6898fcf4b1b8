import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Token-level outputs: return_token_ids, return_tokens_as_token_ids, cached_tokens, continuous_usage_stats")
struct TokenOutputsTests {
    static let question = #"[{"role": "user", "content": "What is the capital of France?"}]"#

    @Test("return_token_ids puts the prompt's ids and each choice's generated ids on a completion, which decode to its text")
    func completionTokenIDs() async throws {
        try await ServerFixture.withServer { client, _ in
            let prompt = try await client.tokenize("The capital of France is")
            let json = try await client.post("/v1/completions", #"{"prompt": "The capital of France is", "max_tokens": 5, "temperature": 0, "ignore_eos": true, "return_token_ids": true}"#).json
            let choice = try #require(json["choices"]?[0])
            #expect(choice["prompt_token_ids"]?.ints == prompt)
            let ids = try #require(choice["token_ids"]?.ints)
            #expect(ids.count == 5)
            let decoded = try await client.post("/detokenize", #"{"tokens": \#(ids)}"#).json["prompt"]
            #expect(decoded == choice["text"])
            let plain = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 1}"#).json
            #expect(plain["choices"]?[0]?.object?["token_ids"] == nil)
            #expect(plain["choices"]?[0]?.object?["prompt_token_ids"] == nil)
        }
    }

    @Test("return_token_ids on chat puts prompt_token_ids on the response and token_ids on each choice, streamed or not")
    func chatTokenIDs() async throws {
        try await ServerFixture.withServer { client, _ in
            let rendered = ChatMLRenderer().render(
                messages: [ChatMessage(role: "user", content: "What is the capital of France?")], addGenerationPrompt: true)
            let prompt = try await client.tokenize(rendered, addSpecialTokens: false)
            let whole = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 6, "temperature": 0, "return_token_ids": true}"#).json
            #expect(whole["prompt_token_ids"]?.ints == prompt)
            let ids = try #require(whole["choices"]?[0]?["token_ids"]?.ints)
            #expect(ids.count == whole["usage"]?["completion_tokens"]?.int)

            let stream = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 6, "temperature": 0, "return_token_ids": true, "stream": true}"#)
            let chunks = try stream.chunks
            #expect(chunks.first?["prompt_token_ids"]?.ints == prompt)
            #expect(chunks.dropFirst().allSatisfy { $0.object?["prompt_token_ids"] == nil })
            #expect(chunks.flatMap { $0["choices"]?[0]?["token_ids"]?.ints ?? [] } == ids)
        }
    }

    @Test("streamed completions carry prompt_token_ids on each choice's first chunk and token_ids that add up")
    func streamedCompletionTokenIDs() async throws {
        try await ServerFixture.withServer { client, _ in
            let body = #"{"prompt": ["One two", "Three four"], "max_tokens": 4, "temperature": 0, "ignore_eos": true, "return_token_ids": true"#
            let whole = try await client.post("/v1/completions", body + "}").json
            let chunks = try await client.post("/v1/completions", body + #", "stream": true}"#).chunks
            for choice in 0..<2 {
                let mine = chunks.compactMap { $0["choices"]?[0] }.filter { $0["index"]?.int == choice }
                let expected = try #require(whole["choices"]?[choice])
                #expect(mine.first?["prompt_token_ids"] == expected["prompt_token_ids"])
                #expect(mine.dropFirst().allSatisfy { $0.object?["prompt_token_ids"] == nil })
                #expect(mine.flatMap { $0["token_ids"]?.ints ?? [] } == expected["token_ids"]?.ints)
            }
        }
    }

    @Test("return_tokens_as_token_ids names log-prob tokens and alternatives token_id:N, N the sampled id")
    func tokensAsTokenIDs() async throws {
        try await ServerFixture.withServer { client, _ in
            let completion = try await client.post("/v1/completions", #"{"prompt": "1, 2, 3", "max_tokens": 3, "temperature": 0, "ignore_eos": true, "logprobs": 2, "return_tokens_as_token_ids": true, "return_token_ids": true}"#).json
            let choice = try #require(completion["choices"]?[0])
            let ids = try #require(choice["token_ids"]?.ints)
            #expect(choice["logprobs"]?["tokens"]?.strings == ids.map { "token_id:\($0)" })
            let tops = try #require(choice["logprobs"]?["top_logprobs"]?.objects)
            #expect(tops.allSatisfy { top in top.keys.allSatisfy { $0.hasPrefix("token_id:") } && top.count >= 2 })

            let chat = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 3, "temperature": 0, "logprobs": true, "top_logprobs": 1, "return_tokens_as_token_ids": true, "return_token_ids": true}"#).json
            let chatIDs = try #require(chat["choices"]?[0]?["token_ids"]?.ints)
            let content = try #require(chat["choices"]?[0]?["logprobs"]?["content"]?.array)
            #expect(content.compactMap { $0["token"]?.string } == chatIDs.map { "token_id:\($0)" })
            #expect(content.allSatisfy { $0["top_logprobs"]?[0]?["token"]?.string?.hasPrefix("token_id:") == true })
        }
    }

    @Test("usage.prompt_tokens_details.cached_tokens is 0 for a new prompt and counts whole cached blocks on a repeat")
    func cachedTokens() async throws {
        try await ServerFixture.withServer { client, _ in
            let prompt = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 6)
            let numPromptTokens = try await client.tokenize(prompt).count
            let body = #"{"prompt": \#(quoted(prompt)), "max_tokens": 2, "temperature": 0}"#
            let first = try await client.post("/v1/completions", body).json
            #expect(first["usage"]?["prompt_tokens_details"]?["cached_tokens"] == .number(0))
            let second = try await client.post("/v1/completions", body).json
            let cached = try #require(second["usage"]?["prompt_tokens_details"]?["cached_tokens"]?.int)
            #expect(cached > 0 && cached < numPromptTokens && cached % 16 == 0)
            let streamed = try await client.post("/v1/completions", String(body.dropLast()) + #", "stream": true, "stream_options": {"include_usage": true}}"#).chunks
            #expect(streamed.last?["usage"]?["prompt_tokens_details"]?["cached_tokens"] == .number(Double(cached)))
        }
    }

    @Test("continuous_usage_stats with include_usage puts the usage so far on every chunk, growing to the final usage")
    func continuousUsage() async throws {
        try await ServerFixture.withServer { client, _ in
            for (path, body) in [
                ("/v1/completions", #"{"prompt": "Once upon a time", "max_tokens": 5, "ignore_eos": true, "temperature": 0"#),
                ("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 5, "ignore_eos": true, "temperature": 0"#),
            ] {
                let chunks = try await client.post(path, body + #", "stream": true, "stream_options": {"include_usage": true, "continuous_usage_stats": true}}"#).chunks
                let final = try #require(chunks.last?["usage"])
                #expect(final["completion_tokens"] == .number(5))
                let deltas = chunks.dropLast()
                let counts = deltas.compactMap { $0["usage"]?["completion_tokens"]?.int }
                #expect(counts.count == deltas.count, "every chunk of \(path) carries usage")
                #expect(counts == counts.sorted() && counts.last == 5)
                #expect(deltas.allSatisfy { $0["usage"]?["prompt_tokens"] == final["prompt_tokens"] })
                let without = try await client.post(path, body + #", "stream": true, "stream_options": {"continuous_usage_stats": true}}"#).chunks
                #expect(without.allSatisfy { $0.object?["usage"] == nil || $0["usage"] == .null })
            }
        }
    }
}
}
