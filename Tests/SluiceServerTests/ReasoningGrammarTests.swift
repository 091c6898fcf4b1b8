import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
/// Structured outputs after the thought. SmolLM2 does not think, so under `deepseek_r1` (the output starts inside
/// a thought) these tests let it copy a pattern it was given in the assistant turn it continues: greedily it
/// writes `ok</think>{"n": 5}` and goes on, so the thought, the end marker and the answer come from the model
/// itself, unconstrained until `</think>`.
@Suite("Structured outputs after the thought: the grammar starts at </think>")
struct ReasoningGrammarTests {
    static let pattern = #"ok</think>{\"n\": 1}\nok</think>{\"n\": 2}\nok</think>{\"n\": 3}\nok</think>{\"n\": 4}\n"#
    static let messages = #"[{"role": "user", "content": "Count."}, {"role": "assistant", "content": "\#(pattern)"}]"#
    static let schema = #"{"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}"#

    static func body(_ extra: String, maxTokens: Int = 24) -> String {
        #"{"messages": \#(messages), "continue_final_message": true, "add_generation_prompt": false, "max_tokens": \#(maxTokens), "temperature": 0, "# + extra + "}"
    }

    static let jsonSchemaFormat = #""response_format": {"type": "json_schema", "json_schema": {"name": "count", "schema": \#(schema)}}"#

    /// The object `text` parses as, if any.
    static func object(_ text: String?) -> [String: JSONValue]? {
        guard let text else { return nil }
        return (try? JSONValue(ByteBuffer(string: text)))?.object
    }

    /// Whether `value` is an integer.
    static func isInteger(_ value: JSONValue?) -> Bool {
        guard let number = value?.double else { return false }
        return number == number.rounded()
    }

    @Test("a JSON schema waits for </think>: the thought is free, the answer after it is the schema's and ends the request")
    func schemaAfterThought() async throws {
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            // Unconstrained, the model goes on copying past its answer.
            let free = try await client.post("/v1/chat/completions", Self.body(#""stream": false"#)).json
            let freeContent = try #require(free["choices"]?[0]?["message"]?["content"]?.string)
            #expect(Self.object(freeContent) == nil, "\(freeContent)")

            let response = try await client.post("/v1/chat/completions", Self.body(Self.jsonSchemaFormat))
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require(try response.json["choices"]?[0])
            #expect(choice["message"]?["reasoning_content"] == .string("ok"), "\(choice)")
            let content = choice["message"]?["content"]?.string
            #expect(Self.isInteger(Self.object(content)?["n"]), "\(String(describing: content))")
            #expect(freeContent.hasPrefix(content ?? "-"), "the answer is what the model wrote, cut where the schema ends")
            #expect(choice["finish_reason"] == .string("stop"))

            let streamed = try await client.post("/v1/chat/completions", Self.body(#""stream": true, "# + Self.jsonSchemaFormat))
            let choices = try streamed.chunks.compactMap { $0["choices"]?[0] }
            #expect(choices.compactMap { $0["delta"]?["reasoning_content"]?.string }.joined() == "ok")
            #expect(choices.compactMap { $0["delta"]?["content"]?.string }.joined() == content)
            #expect(choices.last?["finish_reason"] == .string("stop"))
        }
        // With structured outputs in the thought (vLLM's enable_in_reasoning), the grammar holds from the first
        // token: the model never writes </think>, and its JSON is all thought.
        try await ServerFixture.withServer(configure: {
            $0.reasoningParser = .deepseekR1
            $0.structuredOutputsInReasoning = true
        }) { client, _ in
            let message = try #require(try await client.post("/v1/chat/completions", Self.body(Self.jsonSchemaFormat))
                .json["choices"]?[0]?["message"])
            #expect(message["content"] == .null, "\(message)")
            #expect(Self.object(message["reasoning_content"]?.string) != nil, "\(message)")
        }
    }

    @Test("max_tokens inside the thought finishes with length and no answer; the thought is the unconstrained text")
    func cutOffInThought() async throws {
        let question = #"{"messages": [{"role": "user", "content": "What is two plus two?"}], "max_tokens": 6, "temperature": 0"#
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            let plain = try await client.post("/v1/chat/completions", question + "}").json
            let thought = try #require(plain["choices"]?[0]?["message"]?["reasoning_content"]?.string)
            for format in [Self.jsonSchemaFormat, #""response_format": {"type": "json_object"}"#,
                           #""structured_outputs": {"choice": ["yes", "no"]}"#] {
                let response = try await client.post("/v1/chat/completions", question + ", " + format + "}")
                #expect(response.status == .ok, "\(response.text)")
                let choice = try #require(try response.json["choices"]?[0])
                #expect(choice["finish_reason"] == .string("length"))
                #expect(choice["message"]?["content"] == .null)
                #expect(choice["message"]?["reasoning_content"]?.string == thought, "\(format)")
            }
            let streamed = try await client.post("/v1/chat/completions", question + #", "stream": true, "# + Self.jsonSchemaFormat + "}")
            let choices = try streamed.chunks.compactMap { $0["choices"]?[0] }
            #expect(choices.compactMap { $0["delta"]?["reasoning_content"]?.string }.joined() == thought)
            #expect(choices.last?["finish_reason"] == .string("length"))
            #expect(streamed.events.last == "[DONE]")
        }
    }

    @Test("tool_choice required: the calls' grammar starts after the thought, and the call parses")
    func requiredCallAfterThought() async throws {
        let tools = #"[{"type": "function", "function": {"name": "count", "parameters": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 99}}, "required": ["n"], "additionalProperties": false}}}]"#
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            let response = try await client.post("/v1/chat/completions", Self.body(#""tools": \#(tools), "tool_choice": "required""#, maxTokens: 64))
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require(try response.json["choices"]?[0])
            #expect(choice["message"]?["reasoning_content"] == .string("ok"), "\(choice)")
            #expect(choice["finish_reason"] == .string("tool_calls"), "\(choice)")
            let call = try #require(choice["message"]?["tool_calls"]?[0]?["function"])
            #expect(call["name"] == .string("count"))
            #expect(Self.isInteger(Self.object(call["arguments"]?.string)?["n"]), "\(call)")
        }
    }

    @Test("/v1/messages with thinking and tool_choice any: a thinking block, then a tool_use block whose input is the schema's")
    func messagesToolAfterThought() async throws {
        let tool = #"{"name": "count", "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}}"#
        let turns = ResponsesReasoningTests.fewShot
        let body = #"{"messages": [\#(turns)], "max_tokens": 64, "temperature": 0, "thinking": {"type": "enabled", "budget_tokens": 1024}, "tools": [\#(tool)], "tool_choice": {"type": "any"}}"#
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            let response = try await client.post("/v1/messages", body)
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            let blocks = try #require(json["content"]?.array)
            #expect(blocks.map { $0["type"] } == [.string("thinking"), .string("tool_use")], "\(json)")
            #expect(blocks.first?["thinking"] == .string("ok"))
            #expect(blocks.last?["name"] == .string("count"))
            #expect(Self.isInteger(blocks.last?["input"]?["n"]), "\(json)")
            #expect(json["stop_reason"] == .string("tool_use"))
        }
    }
}
}
