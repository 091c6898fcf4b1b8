import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Streaming: server-sent events as OpenAI sends them")
struct StreamingTests {
    @Test("a streamed completion sends text_completion chunks, finish_reason last, a usage chunk, then [DONE]")
    func completions() async throws {
        try await ServerFixture.withServer { client, _ in
            let whole = try await client.greedyText("The capital of France is", maxTokens: 6)
            let response = try await client.post("/v1/completions", """
                {"prompt": "The capital of France is", "max_tokens": 6, "temperature": 0, "ignore_eos": true,
                 "stream": true, "stream_options": {"include_usage": true}}
                """)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.text.hasSuffix("data: [DONE]\n\n"))
            #expect(response.events.last == "[DONE]")
            let chunks = try response.chunks
            #expect(chunks.allSatisfy { $0["object"] == .string("text_completion") && $0["id"]?.string?.hasPrefix("cmpl-") == true })
            let usage = try #require(chunks.last)
            #expect(usage["choices"] == .array([]))
            #expect(usage["usage"]?["completion_tokens"] == .number(6))
            let deltas = chunks.dropLast()
            #expect(deltas.allSatisfy { $0["usage"] == .null })
            #expect(deltas.compactMap { $0["choices"]?[0]?["text"]?.string }.joined() == whole)
            #expect(deltas.last?["choices"]?[0]?["finish_reason"] == .string("length"))
            #expect(deltas.dropLast().allSatisfy { $0["choices"]?[0]?["finish_reason"] == .null })
        }
    }

    @Test("without include_usage a stream has no usage at all, and echo leads each choice with its prompt")
    func echoWithoutUsage() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/completions", """
                {"prompt": "Once upon a time", "max_tokens": 3, "echo": true, "stream": true, "temperature": 0}
                """)
            let chunks = try response.chunks
            #expect(chunks.allSatisfy { $0["usage"] == nil })
            #expect(chunks.first?["choices"]?[0]?["text"]?.string?.hasPrefix("Once upon a time") == true)
            #expect(chunks.compactMap { $0["choices"]?[0]?["text"]?.string }.joined() == "Once upon a time, the city")
        }
    }

    @Test("streamed logprobs come with each chunk and add up to the whole")
    func logprobs() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/completions", """
                {"prompt": "1, 2, 3, 4", "max_tokens": 4, "temperature": 0, "logprobs": 1, "stream": true}
                """)
            let tokens = try response.chunks.flatMap { $0["choices"]?[0]?["logprobs"]?["tokens"]?.strings ?? [] }
            #expect(tokens == [",", " ", "5", ","])
            let offsets = try response.chunks.flatMap { $0["choices"]?[0]?["logprobs"]?["text_offset"]?.ints ?? [] }
            #expect(offsets == [0, 1, 2, 3])
        }
    }

    @Test("a streamed chat with n = 2 opens each choice with the assistant role, finishes each once, then usage and [DONE]")
    func chat() async throws {
        try await ServerFixture.withServer { client, _ in
            let messages = #"[{"role": "user", "content": "What is the capital of France?"}]"#
            let response = try await client.post("/v1/chat/completions", """
                {"messages": \(messages), "max_tokens": 12, "temperature": 0, "n": 2, "stream": true,
                 "stream_options": {"include_usage": true}}
                """)
            #expect(response.events.last == "[DONE]")
            let chunks = try response.chunks
            #expect(chunks.allSatisfy { $0["object"] == .string("chat.completion.chunk") && $0["id"]?.string?.hasPrefix("chatcmpl-") == true })
            for index in 0..<2 {
                #expect(chunks[index]["choices"]?[0]?["index"] == .number(Double(index)))
                #expect(chunks[index]["choices"]?[0]?["delta"] == .object(["role": .string("assistant"), "content": .string("")]))
            }
            let deltas = chunks.dropFirst(2).dropLast()
            for index in 0..<2 {
                let mine = deltas.compactMap { chunk -> JSONValue? in
                    guard chunk["choices"]?[0]?["index"]?.int == index else { return nil }
                    return chunk["choices"]?[0]
                }
                #expect(mine.compactMap { $0["delta"]?["content"]?.string }.joined() == "The capital of France is Paris.")
                #expect(mine.filter { $0["finish_reason"] != .null }.count == 1)
                #expect(mine.last?["finish_reason"] == .string("stop"))
            }
            let usage = try #require(chunks.last)
            #expect(usage["choices"] == .array([]))
            #expect(usage["usage"]?["completion_tokens"] == .number(16))
        }
    }
}
}
