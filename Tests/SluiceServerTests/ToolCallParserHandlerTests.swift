import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("--tool-call-parser through the server: reported by /server_info, and forced calls read under every format")
struct ToolCallParserHandlerTests {
    @Test("without the flag, the ChatML renderer (no template source) reads Hermes, and /server_info says so")
    func autoDefault() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.get("/server_info").json
            #expect(json["tool_call_parser"] == .string("hermes"))
        }
    }

    // The model writes no format of its own reliably, so the forced path is the one each format must serve: a named
    // choice's grammar makes plain JSON arguments whatever --tool-call-parser reads `auto` answers with.
    @Test("under each parser, a named tool_choice returns its call with arguments that parse, streamed or not",
          arguments: ToolCallParserKind.allCases)
    func namedUnderEachParser(kind: ToolCallParserKind) async throws {
        try await ServerFixture.withServer(configure: { $0.toolCallParser = kind }) { client, _ in
            #expect(try await client.get("/server_info").json["tool_call_parser"] == .string(kind.rawValue))
            let request = """
                {"messages": [{"role": "user", "content": "What is the weather in Paris?"}], "max_tokens": 40, "temperature": 0,
                 "tools": \(ToolCallHandlerTests.tools), "tool_choice": {"type": "function", "function": {"name": "get_weather"}}
                """
            let response = try await client.post("/v1/chat/completions", request + "}")
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require(try response.json["choices"]?[0])
            #expect(choice["finish_reason"] == .string("tool_calls"), "\(kind): \(choice)")
            let call = try #require(choice["message"]?["tool_calls"]?[0])
            #expect(call["function"]?["name"] == .string("get_weather"))
            let arguments = try #require(call["function"]?["arguments"]?.string)
            #expect(try JSONValue(ByteBuffer(string: arguments))["city"]?.string != nil, "\(kind): \(arguments)")

            let streamed = try await client.post("/v1/chat/completions", request + #", "stream": true}"#)
            let parts = try streamed.chunks.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0] }
            #expect(parts.first?["function"]?["name"] == .string("get_weather"), "\(kind)")
            let streamedArguments = parts.compactMap { $0["function"]?["arguments"]?.string }.joined()
            #expect(try JSONValue(ByteBuffer(string: streamedArguments)) == JSONValue(ByteBuffer(string: arguments)), "\(kind)")
        }
    }

    @Test("an auto request under each format answers 200 with content or calls, never an error")
    func autoPlainAnswer() async throws {
        for kind in [ToolCallParserKind.mistral, .pythonic, .llama3JSON] {
            try await ServerFixture.withServer(configure: { $0.toolCallParser = kind }) { client, _ in
                let response = try await client.post("/v1/chat/completions", """
                    {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8, "temperature": 0,
                     "tools": \(ToolCallHandlerTests.tools)}
                    """)
                #expect(response.status == .ok, "\(response.text)")
                let choice = try #require(try response.json["choices"]?[0])
                let calls = choice["message"]?["tool_calls"]?.array ?? []
                let content = choice["message"]?["content"]?.string ?? ""
                #expect(!calls.isEmpty || !content.isEmpty, "\(kind): \(choice)")
            }
        }
    }
}
}
