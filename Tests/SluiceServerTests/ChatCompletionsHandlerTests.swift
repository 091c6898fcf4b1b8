import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

/// A template that refuses every conversation, as a Jinja template's `raise_exception` does.
struct RefusingRenderer: ChatTemplateRenderer {
    struct Refusal: Error, CustomStringConvertible {
        var description: String { "Conversation roles must alternate user/assistant/user/assistant/..." }
    }

    func render(messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String { throw Refusal() }
}

extension ServerModelTests {
@Suite("POST /v1/chat/completions: fields and their effect")
struct ChatCompletionsHandlerTests {
    static let question = #"[{"role": "user", "content": "What is the capital of France?"}]"#

    @Test("a chat completion has OpenAI's shape, ends at EOS with finish_reason stop, and counts the rendered prompt")
    func basic() async throws {
        try await ServerFixture.withServer { client, _ in
            let rendered = ChatMLRenderer().render(
                messages: [ChatMessage(role: "user", content: "What is the capital of France?")], addGenerationPrompt: true)
            let promptTokens = try await client.tokenize(rendered, addSpecialTokens: false).count
            let response = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 16, "temperature": 0}"#)
            #expect(response.status == .ok)
            let json = try response.json
            #expect(json["object"] == .string("chat.completion"))
            #expect(json["id"]?.string?.hasPrefix("chatcmpl-") == true)
            let choice = try #require(json["choices"]?[0])
            #expect(choice["message"]?["role"] == .string("assistant"))
            #expect(choice["message"]?["content"] == .string("The capital of France is Paris."))
            #expect(choice["finish_reason"] == .string("stop"))
            #expect(json["usage"]?["prompt_tokens"] == .number(Double(promptTokens)))
            #expect(json["usage"]?["completion_tokens"] == .number(8))
        }
    }

    @Test("min_tokens holds EOS off, ignore_eos runs to max_completion_tokens")
    func minTokensAndIgnoreEOS() async throws {
        try await ServerFixture.withServer { client, _ in
            let held = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 14, "min_tokens": 12, "temperature": 0}"#).json
            #expect(held["usage"]?["completion_tokens"]?.int ?? 0 >= 12)
            let ignoring = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_completion_tokens": 10, "ignore_eos": true, "temperature": 0}"#).json
            #expect(ignoring["usage"]?["completion_tokens"] == .number(10))
            #expect(ignoring["choices"]?[0]?["finish_reason"] == .string("length"))
        }
    }

    @Test("without max_tokens a chat may use the rest of the context")
    func defaultMaxTokens() async throws {
        // A 96-token context keeps the prefill short: a conversation of about 90 tokens leaves a few.
        try await ServerFixture.withServer(engineOptions: { $0.maxModelLength = 96 }) { client, _ in
            let filler = String(repeating: "one ", count: 80)
            let rendered = ChatMLRenderer().render(messages: [ChatMessage(role: "user", content: filler)], addGenerationPrompt: true)
            let promptTokens = try await client.tokenize(rendered, addSpecialTokens: false).count
            #expect(promptTokens > 80 && promptTokens < 96)
            let body = #"{"messages": [{"role": "user", "content": \#(quoted(filler))}], "ignore_eos": true, "temperature": 0}"#
            let json = try await client.post("/v1/chat/completions", body).json
            #expect(json["usage"]?["completion_tokens"] == .number(Double(96 - promptTokens)))
            #expect(json["choices"]?[0]?["finish_reason"] == .string("length"))
        }
    }

    @Test("logprobs with top_logprobs gives one entry per token, each with bytes and that many alternatives")
    func logprobs() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 3, "temperature": 0, "logprobs": true, "top_logprobs": 2}"#).json
            let content = try #require(json["choices"]?[0]?["logprobs"]?["content"]?.array)
            #expect(content.count == 3)
            let tokens = content.compactMap { $0["token"]?.string }
            #expect(tokens.joined() == json["choices"]?[0]?["message"]?["content"]?.string)
            for entry in content {
                #expect((entry["logprob"]?.double ?? 1) <= 0)
                let bytes = entry["bytes"]?.array?.compactMap { $0.int.map(UInt8.init) } ?? []
                #expect(String(decoding: bytes, as: UTF8.self) == entry["token"]?.string)
                let alternatives = try #require(entry["top_logprobs"]?.array)
                #expect(alternatives.count == 2)
                #expect(alternatives.allSatisfy { ($0["logprob"]?.double ?? 1) <= 0 && $0["bytes"]?.array != nil })
            }
            let plain = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 2, "temperature": 0}"#).json
            #expect(plain["choices"]?[0]?["logprobs"] == .null)
        }
    }

    @Test("prompt_logprobs covers the rendered conversation and equals /v1/completions' for the same tokens")
    func promptLogprobs() async throws {
        try await ServerFixture.withServer { client, _ in
            let rendered = try #require(try await client.post("/v1/chat/completions/render", #"{"messages": \#(Self.question)}"#)
                .json["token_ids"]?.ints)
            let chat = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 2, "temperature": 0, "prompt_logprobs": 2, "n": 2}"#)
            #expect(chat.status == .ok, "\(chat.text)")
            let positions = try #require(try chat.json["prompt_logprobs"]?.array)
            #expect(positions.count == rendered.count)
            #expect(positions[0] == .null)
            #expect(try chat.json["choices"]?.array?.count == 2)
            let completion = try await client.post("/v1/completions", #"{"prompt": \#(rendered), "max_tokens": 2, "temperature": 0, "prompt_logprobs": 2}"#)
            let reference = try #require(try completion.json["choices"]?[0]?["prompt_logprobs"]?.array)
            #expect(reference.count == positions.count)
            for index in 1..<rendered.count {
                let entries = try #require(positions[index].object, "position \(index)")
                let expected = try #require(reference[index].object, "position \(index)")
                // The prompt token, and the same alternatives with the same ranks and text.
                #expect(entries[String(rendered[index])] != nil, "position \(index)")
                #expect(Set(entries.keys) == Set(expected.keys), "position \(index)")
                for (tokenID, entry) in entries {
                    #expect(entry["rank"] == expected[tokenID]?["rank"], "position \(index)")
                    #expect(entry["decoded_token"] == expected[tokenID]?["decoded_token"], "position \(index)")
                    let logprob = try #require(entry["logprob"]?.double)
                    #expect(abs(logprob - (expected[tokenID]?["logprob"]?.double ?? 1)) < 1e-4, "position \(index)")
                }
            }
            // Without the field, none; with 0, only the prompt token's own.
            let plain = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 1}"#).json
            #expect(plain["prompt_logprobs"] == nil)
            let own = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 1, "prompt_logprobs": 0}"#).json
            let ownPositions = try #require(own["prompt_logprobs"]?.array)
            for index in 1..<ownPositions.count {
                #expect(ownPositions[index].object.map { Array($0.keys) } == [String(rendered[index])], "position \(index)")
            }
        }
    }

    @Test("bad prompt_logprobs on chat are 400s naming the field", arguments: [
        #""prompt_logprobs": 50"#, #""prompt_logprobs": -2"#, #""prompt_logprobs": "all""#,
        #""prompt_logprobs": 1, "stream": true"#,
    ])
    func badPromptLogprobs(extra: String) async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 1, \#(extra)}"#)
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(try response.json["error"]?["param"]?.string == "prompt_logprobs" || response.text.contains("prompt_logprobs"))
            try await client.expectServesGoodRequest()
        }
    }

    @Test("n = 2 gives choices 0 and 1")
    func twoChoices() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 3, "n": 2, "seed": 3}"#).json
            #expect(json["choices"]?.array?.compactMap { $0["index"]?.int } == [0, 1])
        }
    }

    @Test("add_generation_prompt false leaves the assistant's turn unopened")
    func noGenerationPrompt() async throws {
        try await ServerFixture.withServer { client, _ in
            func promptTokens(_ add: Bool) async throws -> Int? {
                let body = #"{"messages": \#(Self.question), "max_tokens": 1, "add_generation_prompt": \#(add)}"#
                return try await client.post("/v1/chat/completions", body).json["usage"]?["prompt_tokens"]?.int
            }
            let opening = try await client.tokenize("<|im_start|>assistant\n", addSpecialTokens: false).count
            let with = try #require(try await promptTokens(true))
            #expect(try await promptTokens(false) == with - opening)
        }
    }

    @Test("a template's refusal is a 400 carrying its message, and the server goes on")
    func templateRefusal() async throws {
        try await ServerFixture.withServer(renderer: RefusingRenderer()) { client, _ in
            let response = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question)}"#)
            #expect(response.status == .badRequest)
            #expect(try response.json["error"]?["message"]?.string?.contains("Conversation roles must alternate") == true)
            try await client.expectServesGoodRequest()
        }
    }
}
}
