import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension TestResponse {
    /// The `(event, data)` pairs of an Anthropic server-sent-events body.
    var namedEvents: [(name: String, data: JSONValue)] {
        get throws {
            try text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
                var name = "", data = ""
                for line in event.split(separator: "\n") {
                    if line.hasPrefix("event: ") { name = String(line.dropFirst("event: ".count)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst("data: ".count)) }
                }
                return (name, try JSONValue(ByteBuffer(string: data)))
            }
        }
    }
}

extension JSONValue {
    /// The prompt tokens an Anthropic `usage` counts: computed, read from the cache and written to it.
    var anthropicPromptTokens: Int? {
        guard let input = self["input_tokens"]?.int else { return nil }
        return input + (self["cache_read_input_tokens"]?.int ?? 0) + (self["cache_creation_input_tokens"]?.int ?? 0)
    }
}

extension ServerModelTests {
@Suite("POST /v1/messages: Anthropic's Messages API")
struct MessagesHandlerTests {
    static let question = #"[{"role": "user", "content": "What is the capital of France?"}]"#

    @Test("a message has Anthropic's shape, the same greedy text as chat, end_turn at EOS, and counts the rendered prompt")
    func basic() async throws {
        try await ServerFixture.withServer { client, _ in
            let chat = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 16, "temperature": 0}"#).json
            let response = try await client.post("/v1/messages", #"{"model": "smollm2-test", "messages": \#(Self.question), "max_tokens": 16, "temperature": 0, "metadata": {"user_id": "u1"}}"#)
            #expect(response.status == .ok)
            let json = try response.json
            #expect(json["id"]?.string?.hasPrefix("msg_") == true)
            #expect(json["type"] == .string("message"))
            #expect(json["role"] == .string("assistant"))
            #expect(json["model"] == .string("smollm2-test"))
            #expect(json["content"]?[0]?["type"] == .string("text"))
            #expect(json["content"]?[0]?["text"] == chat["choices"]?[0]?["message"]?["content"])
            #expect(json["content"]?[0]?["text"] == .string("The capital of France is Paris."))
            #expect(json["stop_reason"] == .string("end_turn"))
            #expect(json["stop_sequence"] == .null)
            #expect(json["usage"]?.anthropicPromptTokens == chat["usage"]?["prompt_tokens"]?.int)
            #expect(json["usage"]?["output_tokens"] == chat["usage"]?["completion_tokens"])
            // Known once the message is done: the cache's share (none here: the prompt is under one full block).
            #expect(json["usage"]?["cache_read_input_tokens"]?.int == chat["usage"]?["prompt_tokens_details"]?["cached_tokens"]?.int)
            #expect(json["usage"]?["cache_creation_input_tokens"] == .number(0))
        }
    }

    @Test("max_tokens ends with stop_reason max_tokens; a stop sequence ends with stop_sequence and is left out of the text")
    func stopReasons() async throws {
        try await ServerFixture.withServer { client, _ in
            let short = try await client.post("/v1/messages", #"{"messages": \#(Self.question), "max_tokens": 3, "temperature": 0}"#).json
            #expect(short["stop_reason"] == .string("max_tokens"))
            #expect(short["usage"]?["output_tokens"] == .number(3))
            let stopped = try await client.post("/v1/messages", #"{"messages": \#(Self.question), "max_tokens": 16, "temperature": 0, "stop_sequences": ["Paris"]}"#).json
            #expect(stopped["stop_reason"] == .string("stop_sequence"))
            #expect(stopped["stop_sequence"] == .string("Paris"))
            #expect(stopped["content"]?[0]?["text"] == .string("The capital of France is "))
        }
    }

    @Test("system as a string or as text blocks renders as a system message; text blocks of a message join with newlines")
    func systemAndBlocks() async throws {
        try await ServerFixture.withServer { client, _ in
            let rendered = ChatMLRenderer().render(messages: [
                ChatMessage(role: "system", content: "Be brief."),
                ChatMessage(role: "user", content: "Hi\nthere"),
            ], addGenerationPrompt: true)
            let expected = try await client.tokenize(rendered, addSpecialTokens: false).count
            let asString = try await client.post("/v1/messages", #"{"system": "Be brief.", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]}], "max_tokens": 1}"#).json
            #expect(asString["usage"]?.anthropicPromptTokens == expected)
            let asBlocks = try await client.post("/v1/messages", #"{"system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}], "messages": [{"role": "user", "content": "Hi\nthere"}], "max_tokens": 1}"#).json
            #expect(asBlocks["usage"]?.anthropicPromptTokens == expected)
        }
    }

    @Test("a last assistant turn is continued, not closed: the prompt ends with its text")
    func prefill() async throws {
        try await ServerFixture.withServer { client, _ in
            let prefix = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nThe capital of France is"
            let expected = try await client.tokenize(prefix, addSpecialTokens: false).count
            let body = #"{"messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "The capital of France is"}], "max_tokens": 2, "temperature": 0}"#
            let json = try await client.post("/v1/messages", body).json
            #expect(json["usage"]?.anthropicPromptTokens == expected)
            let text = try await client.greedyText(prefix, maxTokens: 2, extra: #", "add_special_tokens": false"#)
            #expect(json["content"]?[0]?["text"] == .string(text))
        }
    }

    @Test("a stream sends Anthropic's events in order, the text of the whole message, and the stop reason with output_tokens")
    func streaming() async throws {
        try await ServerFixture.withServer { client, _ in
            let whole = try await client.post("/v1/messages", #"{"messages": \#(Self.question), "max_tokens": 16, "temperature": 0}"#).json
            let response = try await client.post("/v1/messages", #"{"messages": \#(Self.question), "max_tokens": 16, "temperature": 0, "stream": true}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = try response.namedEvents
            #expect(events.allSatisfy { $0.data["type"] == .string($0.name) })
            let names = events.map(\.name)
            let deltas = names.filter { $0 == "content_block_delta" }.count
            #expect(deltas > 1)
            #expect(names == ["message_start", "content_block_start", "ping"]
                    + Array(repeating: "content_block_delta", count: deltas)
                    + ["content_block_stop", "message_delta", "message_stop"])
            let start = try #require(events.first?.data["message"])
            #expect(start["id"]?.string?.hasPrefix("msg_") == true)
            #expect(start["content"] == .array([]))
            #expect(start["stop_reason"] == .null)
            // The cache's share is not known yet: the whole prompt as input, the cache fields left out.
            #expect(start["usage"]?["input_tokens"]?.int == whole["usage"]?.anthropicPromptTokens)
            #expect(start["usage"]?["cache_read_input_tokens"] == nil && start["usage"]?["cache_creation_input_tokens"] == nil)
            #expect(events[1].data["content_block"]?["type"] == .string("text"))
            let text = events.filter { $0.name == "content_block_delta" }.compactMap { event -> String? in
                #expect(event.data["delta"]?["type"] == .string("text_delta"))
                #expect(event.data["index"] == .number(0))
                return event.data["delta"]?["text"]?.string
            }.joined()
            #expect(.string(text) == whole["content"]?[0]?["text"])
            let delta = events[events.count - 2].data
            #expect(delta["delta"]?["stop_reason"] == .string("end_turn"))
            #expect(delta["delta"]?["stop_sequence"] == .null)
            #expect(delta["usage"]?["output_tokens"] == whole["usage"]?["output_tokens"])
            // The final split, with the cache's share known (the long-prompt case is cacheUsage's).
            #expect(delta["usage"]?.anthropicPromptTokens == whole["usage"]?.anthropicPromptTokens)
            #expect(delta["usage"]?["cache_read_input_tokens"]?.int != nil)
        }
    }

    @Test("refusals come in Anthropic's error shape and name what is wrong; the server goes on", arguments: [
        (#"{"messages": [{"role": "user", "content": "Hi"}]}"#, "max_tokens"),
        (#"{"messages": [], "max_tokens": 4}"#, "at least one message"),
        (#"{"max_tokens": 4}"#, "messages is required"),
        (#"{"messages": [{"role": "system", "content": "Hi"}], "max_tokens": 4}"#, "`system`"),
        (#"{"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}], "max_tokens": 4}"#, "\"image\""),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "tools": [{"name": "f"}]}"#, "input_schema"),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "thinking": {"type": "enabled", "budget_tokens": 1024}}"#, "`thinking`"),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "model": "claude-x"}"#, "claude-x"),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "output_config": {"format": {"type": "json_schema", "schema": {}}}}"#, "output_config"),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "top_p": 2}"#, "top_p"),
        (#"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 0}"#, "max_tokens"),
        (#"{"messages": "#, "not valid JSON"),
    ])
    func refusals(body: String, mention: String) async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/messages", body)
            #expect(response.status == .badRequest)
            let json = try response.json
            #expect(json["type"] == .string("error"))
            #expect(json["error"]?["type"] == .string("invalid_request_error"))
            let message = try #require(json["error"]?["message"]?.string)
            #expect(message.contains(mention), "\(message)")
            #expect(json["error"]?.object?.keys.sorted() == ["message", "type"])
            try await client.expectServesGoodRequest()
        }
    }

    @Test("count_tokens gives the input_tokens a message would use, without max_tokens, and refuses in Anthropic's shape")
    func countTokens() async throws {
        try await ServerFixture.withServer { client, _ in
            let message = try await client.post("/v1/messages", #"{"system": "Be brief.", "messages": \#(Self.question), "max_tokens": 1}"#).json
            let counted = try await client.post("/v1/messages/count_tokens", #"{"system": "Be brief.", "messages": \#(Self.question)}"#)
            #expect(counted.status == .ok)
            #expect(try counted.json == .object(["input_tokens": message["usage"]?.anthropicPromptTokens.map { .number(Double($0)) } ?? .null]))
            let refused = try await client.post("/v1/messages/count_tokens", #"{"messages": [], "tools": [{"name": "f"}]}"#)
            #expect(refused.status == .badRequest)
            #expect(try refused.json["type"] == .string("error"))
        }
    }

    @Test("usage splits the prompt as Anthropic does: a second message with the same long system prompt reads it from the cache")
    func cacheUsage() async throws {
        try await ServerFixture.withServer { client, _ in
            let system = quoted(String(repeating: "You answer questions about European geography, briefly and exactly. ", count: 8))
            func send(_ question: String) async throws -> JSONValue {
                let body = #"{"system": \#(system), "messages": [{"role": "user", "content": \#(quoted(question))}], "max_tokens": 2, "temperature": 0}"#
                let response = try await client.post("/v1/messages", body)
                #expect(response.status == .ok, "\(response.text)")
                return try #require(try response.json["usage"])
            }
            let first = try await send("What is the capital of France?")
            let promptTokens = try #require(first.anthropicPromptTokens)
            #expect(promptTokens > 100)
            // A fresh engine: nothing cached, so every prompt token is input.
            #expect(first["cache_read_input_tokens"] == .number(0) && first["cache_creation_input_tokens"] == .number(0))
            #expect(first["input_tokens"]?.int == promptTokens)
            let second = try await send("What is the capital of Spain?")
            let read = try #require(second["cache_read_input_tokens"]?.int)
            // The shared system prompt's full blocks, never the whole prompt (the question differs).
            #expect(read >= 96 && read % 16 == 0 && read < promptTokens)
            #expect(second["cache_creation_input_tokens"] == .number(0))
            let secondTokens = try #require(second.anthropicPromptTokens)
            #expect(second["input_tokens"]?.int == secondTokens - read)
            // Chat completions report the same hits as OpenAI's cached_tokens.
            let chat = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "system", "content": \#(system)}, {"role": "user", "content": "What is the capital of Italy?"}], "max_tokens": 1}"#).json
            #expect(chat["usage"]?["prompt_tokens_details"]?["cached_tokens"]?.int == read)
        }
    }

    @Test("with --api-key, x-api-key is accepted as Anthropic's clients send it, and a wrong one is refused")
    func apiKeyHeader() async throws {
        try await ServerFixture.withServer(configure: { $0.apiKey = "secret" }) { client, _ in
            let body = #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}"#
            let good = try await client.post("/v1/messages", body, headers: [APIKeyMiddleware<BasicRequestContext>.xAPIKey: "secret"])
            #expect(good.status == .ok)
            let wrong = try await client.post("/v1/messages", body, headers: [APIKeyMiddleware<BasicRequestContext>.xAPIKey: "guess"])
            #expect(wrong.status == .unauthorized)
        }
    }
}
}

@Suite("Anthropic stop reasons and errors")
struct MessagesStopTests {
    @Test("the engine's finish maps to end_turn, max_tokens or stop_sequence; an abort has no stop reason")
    func stopReasons() {
        #expect(MessagesStop(finishReason: .stop, stopReason: nil) == MessagesStop(reason: "end_turn", sequence: nil))
        #expect(MessagesStop(finishReason: .stop, stopReason: .tokenID(7)) == MessagesStop(reason: "end_turn", sequence: nil))
        #expect(MessagesStop(finishReason: .stop, stopReason: .string("##")) == MessagesStop(reason: "stop_sequence", sequence: "##"))
        #expect(MessagesStop(finishReason: .length, stopReason: nil) == MessagesStop(reason: "max_tokens", sequence: nil))
        #expect(MessagesStop(finishReason: .abort, stopReason: nil) == nil)
    }

    @Test("errors take Anthropic's class for their status")
    func errorTypes() throws {
        #expect(APIError.badRequest("x").anthropicType == "invalid_request_error")
        #expect(APIError.internalError.anthropicType == "api_error")
        #expect(APIError(status: .tooManyRequests, message: "x", type: "rate_limit_error").anthropicType == "rate_limit_error")
        #expect(APIError(status: .serviceUnavailable, message: "x", type: "server_error").anthropicType == "overloaded_error")
        #expect(APIError(status: .unauthorized, message: "x", type: "invalid_request_error").anthropicType == "authentication_error")
        let body = try JSONValue(APIError.badRequest("Bad.").anthropicBody())
        #expect(body == .object(["type": .string("error"),
                                 "error": .object(["type": .string("invalid_request_error"), "message": .string("Bad.")])]))
    }
}
