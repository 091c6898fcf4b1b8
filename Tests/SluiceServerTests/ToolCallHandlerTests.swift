import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Tool calls through the API, streamed or not")
struct ToolCallHandlerTests {
    static let tools = #"""
        [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
          "properties": {"city": {"type": "string", "maxLength": 20}}, "required": ["city"], "additionalProperties": false}}},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {},
          "additionalProperties": false}}}]
        """#

    @Test("a named tool_choice returns one call to it whose arguments parse, content null, finish_reason tool_calls")
    func named() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "What is the weather in Paris?"}], "max_tokens": 60,
                 "temperature": 0, "tools": \(Self.tools), "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
                """)
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require(try response.json["choices"]?[0])
            #expect(choice["finish_reason"] == .string("tool_calls"))
            #expect(choice["message"]?["content"] == .null)
            let call = try #require(choice["message"]?["tool_calls"]?[0])
            #expect(call["type"] == .string("function"))
            #expect(call["id"]?.string?.isEmpty == false)
            #expect(call["function"]?["name"] == .string("get_weather"))
            let arguments = try #require(call["function"]?["arguments"]?.string)
            let parsed = try JSONValue(ByteBuffer(string: arguments))
            #expect(parsed["city"]?.string != nil, "\(arguments)")
        }
    }

    // The grammar allows JSON's whitespace anywhere, and this small model, greedy, would fill max_tokens with
    // newlines inside the array: the frequency penalty moves it on.
    @Test("tool_choice required returns calls to the listed tools only")
    func required() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "What time is it?"}], "max_tokens": 80, "temperature": 0,
                 "frequency_penalty": 1, "tools": \(Self.tools), "tool_choice": "required", "parallel_tool_calls": false}
                """).json
            let choice = try #require(json["choices"]?[0])
            #expect(choice["finish_reason"] == .string("tool_calls"), "\(choice)")
            let calls = try #require(choice["message"]?["tool_calls"]?.array)
            #expect(calls.count == 1)
            #expect(["get_weather", "get_time"].contains(calls.first?["function"]?["name"]?.string ?? ""))
        }
    }

    @Test("streamed, a named call comes as its id and name, then its arguments as they are generated, then finish_reason tool_calls")
    func streamedNamed() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "What is the weather in Paris?"}], "max_tokens": 60,
                 "temperature": 0, "stream": true, "tools": \(Self.tools),
                 "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
                """)
            #expect(response.status == .ok, "\(response.text)")
            let choices = try response.chunks.compactMap { $0["choices"]?[0] }
            let parts = choices.compactMap { $0["delta"]?["tool_calls"]?[0] }
            try #require(parts.count >= 2, "\(choices)")
            #expect(parts.allSatisfy { $0["index"] == .number(0) })
            #expect(parts[0]["id"]?.string?.isEmpty == false)
            #expect(parts[0]["function"]?["name"] == .string("get_weather"))
            #expect(parts.dropFirst().allSatisfy { $0["id"] == nil && $0["function"]?["name"] == nil })
            // The arguments arrive as the model writes them, in several parts that add up to JSON.
            #expect(parts.count > 2, "arguments in one part: \(parts)")
            let arguments = parts.compactMap { $0["function"]?["arguments"]?.string }.joined()
            #expect(try JSONValue(ByteBuffer(string: arguments))["city"]?.string != nil, "\(arguments)")
            #expect(choices.last?["finish_reason"] == .string("tool_calls"))
            #expect(choices.dropLast().allSatisfy { $0["finish_reason"] == .null })
        }
    }
}
}
