import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("POST /v1/responses: OpenAI's Responses API, stateless")
struct ResponsesHandlerTests {
    static let question = "What is the capital of France?"

    @Test("a string input gets a completed response whose one message holds chat's greedy text, with usage")
    func basic() async throws {
        try await ServerFixture.withServer { client, _ in
            let chat = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": \#(quoted(Self.question))}], "max_tokens": 16, "temperature": 0}"#).json
            let response = try await client.post("/v1/responses", #"{"input": \#(quoted(Self.question)), "max_output_tokens": 16, "temperature": 0, "store": false}"#)
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            #expect(json["id"]?.string?.hasPrefix("resp_") == true)
            #expect(json["object"] == .string("response"))
            #expect(json["status"] == .string("completed"))
            #expect(json["incomplete_details"] == .null)
            #expect(json["error"] == .null)
            #expect(json["max_output_tokens"] == .number(16))
            let item = try #require(json["output"]?[0])
            #expect(json["output"]?.array?.count == 1)
            #expect(item["type"] == .string("message"))
            #expect(item["role"] == .string("assistant"))
            #expect(item["status"] == .string("completed"))
            #expect(item["content"]?[0]?["type"] == .string("output_text"))
            #expect(item["content"]?[0]?["text"] == chat["choices"]?[0]?["message"]?["content"])
            #expect(json["usage"]?["input_tokens"] == chat["usage"]?["prompt_tokens"])
            #expect(json["usage"]?["output_tokens"] == chat["usage"]?["completion_tokens"])
            #expect(json["usage"]?["total_tokens"] == chat["usage"]?["total_tokens"])
            #expect(json["usage"]?["input_tokens_details"]?["cached_tokens"]?.int != nil)
        }
    }

    @Test("instructions and message items render as a chat; developer reads as system; max_output_tokens makes it incomplete")
    func itemsAndInstructions() async throws {
        try await ServerFixture.withServer { client, _ in
            let rendered = ChatMLRenderer().render(messages: [
                ChatMessage(role: "system", content: "Be brief."),
                ChatMessage(role: "system", content: "Answer in English."),
                ChatMessage(role: "user", content: "Hi\nthere"),
                ChatMessage(role: "assistant", content: "Hello."),
                ChatMessage(role: "user", content: Self.question),
            ], addGenerationPrompt: true)
            let expected = try await client.tokenize(rendered, addSpecialTokens: false).count
            let body = """
                {"instructions": "Be brief.", "max_output_tokens": 2, "temperature": 0, "input": [
                  {"role": "developer", "content": "Answer in English."},
                  {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}, {"type": "input_text", "text": "there"}]},
                  {"role": "assistant", "content": [{"type": "output_text", "text": "Hello."}]},
                  {"role": "user", "content": \(quoted(Self.question))}]}
                """
            let json = try await client.post("/v1/responses", body).json
            #expect(json["usage"]?["input_tokens"]?.int == expected)
            #expect(json["instructions"] == .string("Be brief."))
            #expect(json["status"] == .string("incomplete"))
            #expect(json["incomplete_details"]?["reason"] == .string("max_output_tokens"))
            #expect(json["output"]?[0]?["status"] == .string("incomplete"))
            #expect(json["usage"]?["output_tokens"] == .number(2))
        }
    }

    @Test("a stream sends the typed events in order with counting sequence numbers, its deltas making the whole text")
    func streaming() async throws {
        try await ServerFixture.withServer { client, _ in
            let whole = try await client.post("/v1/responses", #"{"input": \#(quoted(Self.question)), "max_output_tokens": 16, "temperature": 0}"#).json
            let response = try await client.post("/v1/responses", #"{"input": \#(quoted(Self.question)), "max_output_tokens": 16, "temperature": 0, "stream": true}"#)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = try response.namedEvents
            #expect(events.allSatisfy { $0.data["type"] == .string($0.name) })
            #expect(events.compactMap { $0.data["sequence_number"]?.int } == Array(0..<events.count))
            let names = events.map(\.name)
            let deltas = names.filter { $0 == "response.output_text.delta" }.count
            #expect(deltas > 1)
            #expect(names == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
                    + Array(repeating: "response.output_text.delta", count: deltas)
                    + ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"])
            #expect(events[0].data["response"]?["status"] == .string("in_progress"))
            #expect(events[0].data["response"]?["output"] == .array([]))
            let text = events.filter { $0.name == "response.output_text.delta" }.compactMap { $0.data["delta"]?.string }.joined()
            let expected = try #require(whole["output"]?[0]?["content"]?[0]?["text"])
            #expect(.string(text) == expected)
            let itemID = try #require(events[2].data["item"]?["id"])
            #expect(events.filter { $0.name.hasPrefix("response.output_text") || $0.name.hasPrefix("response.content_part") }
                .allSatisfy { $0.data["item_id"] == itemID })
            #expect(events[events.count - 4].data["text"] == expected)
            let final = try #require(events.last?.data["response"])
            #expect(final["status"] == .string("completed"))
            #expect(final["output"]?[0]?["content"]?[0]?["text"] == expected)
            #expect(final["usage"]?["output_tokens"] == whole["usage"]?["output_tokens"])
            let cut = try await client.post("/v1/responses", #"{"input": "Hi", "max_output_tokens": 2, "stream": true}"#).namedEvents
            #expect(cut.last?.name == "response.incomplete")
        }
    }

    @Test("state and unsupported features are refused with a 400 naming the field", arguments: [
        (#"{"input": "Hi", "store": true}"#, "store"),
        (#"{"input": "Hi", "previous_response_id": "resp_1"}"#, "previous_response_id"),
        (#"{"input": "Hi", "conversation": "conv_1"}"#, "conversation"),
        (#"{"input": "Hi", "background": true}"#, "background"),
        (#"{"input": "Hi", "tools": [{"type": "web_search"}]}"#, "tools[0].type"),
        (#"{"input": "Hi", "text": {"format": {"type": "xml"}}}"#, "text.format.type"),
        (#"{"input": "Hi", "text": {"format": {"type": "json_schema", "name": "x"}}}"#, "text.format.schema"),
        (#"{"input": "Hi", "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "object", "patternProperties": {"^a": {}}}}}}"#, "text.format"),
        (#"{"input": "Hi", "text": {"format": "json"}}"#, "text.format"),
        (#"{"input": "Hi", "text": "json"}"#, "text"),
        (#"{"input": [{"type": "reasoning", "summary": []}]}"#, "input"),
        (#"{"input": [{"type": "reasoning", "summary": "x"}, {"role": "user", "content": "Hi"}]}"#, "input[0].summary"),
        (#"{"input": [{"type": "reasoning", "content": {"text": "x"}}, {"role": "user", "content": "Hi"}]}"#, "input[0].content"),
        (#"{"input": [{"type": "item_reference", "id": "rs_1"}]}"#, "input[0].type"),
        (#"{"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}"#, "input[0].content[0]"),
        (#"{"input": []}"#, "input"),
        (#"{"max_output_tokens": 4}"#, "input"),
        (#"{"input": "Hi", "max_output_tokens": 0}"#, "max_output_tokens"),
        (#"{"input": "Hi", "temperature": -1}"#, "temperature"),
    ])
    func refusals(body: String, param: String) async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/responses", body)
            #expect(response.status == .badRequest)
            let json = try response.json
            #expect(json["error"]?["param"] == .string(param), "\(response.text)")
            try await client.expectServesGoodRequest()
        }
    }
}
}

@Suite("Response objects as OpenAI writes them")
struct ResponseObjectTests {
    func encoded(status: String, error: APIError? = nil) throws -> JSONValue {
        let response = ResponseObject(
            id: "resp_1", createdAt: 0, model: "m", status: status,
            output: [.message(ResponseOutputMessage(id: "msg_1", status: status, text: "Hi"))],
            usage: ResponseUsage(inputTokens: 3, cachedTokens: 0, outputTokens: 1), error: error,
            instructions: nil, maxOutputTokens: nil, temperature: 1, topP: 1)
        return try JSONValue(JSONBody.encode(response))
    }

    @Test("a failed response always says why: the engine's error, or an abort")
    func failed() throws {
        #expect(try encoded(status: "completed")["error"] == .null)
        #expect(try encoded(status: "failed")["error"]?["code"] == .string("aborted"))
        let engineError = try encoded(status: "failed", error: .internalError)["error"]
        #expect(engineError?["code"] == .string("internal_error"))
        #expect(try encoded(status: "incomplete")["incomplete_details"]?["reason"] == .string("max_output_tokens"))
        #expect(try encoded(status: "completed")["usage"]?["total_tokens"] == .number(4))
    }

    @Test("the engine's finish reasons map to completed, incomplete and failed")
    func statuses() {
        #expect(ResponseObject.status(for: .stop) == "completed")
        #expect(ResponseObject.status(for: .length) == "incomplete")
        #expect(ResponseObject.status(for: .abort) == "failed")
        #expect(ResponseObject.status(for: nil) == "failed")
    }
}
