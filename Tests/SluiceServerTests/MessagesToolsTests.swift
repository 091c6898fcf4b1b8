import Hummingbird
import HummingbirdTesting
import SluiceTemplate
import Testing
@testable import SluiceServer

@Suite("Messages tools: Anthropic's tools, tool_choice, tool_use and tool_result blocks, tool_use blocks streamed")
struct MessagesToolDecodingTests {
    static let weather = #"{"name": "get_weather", "description": "Weather now", "input_schema": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}}, "required": ["city"], "additionalProperties": false}}"#
    static let time = #"{"name": "get_time", "input_schema": {"type": "object", "properties": {}, "additionalProperties": false}}"#
    static let user = #"{"role": "user", "content": "Weather in Paris?"}"#
    static let call = #"{"role": "assistant", "content": [{"type": "text", "text": "Looking."}, {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"unit": "c", "city": "Paris"}}]}"#

    func request(_ fields: String) throws(APIError) -> MessagesRequest {
        try MessagesRequest.decode(from: ByteBuffer(string: #"{"max_tokens": 8, "# + fields + "}"))
    }

    @Test("tools read as chat's; tool_choice auto, any (required), tool (named), none; disable_parallel_tool_use")
    func decoding() throws {
        let messages = #""messages": [\#(Self.user)], "tools": [\#(Self.weather), \#(Self.time)]"#
        let auto = try #require(try request(messages).tools)
        #expect(auto.choice == .auto && auto.parallelToolCalls)
        #expect(auto.functions.map(\.name) == ["get_weather", "get_time"])
        #expect(auto.toolsJSON.hasPrefix(#"[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object""#))
        #expect(try request(messages + #", "tool_choice": {"type": "auto"}"#).tools?.choice == .auto)
        let any = try request(messages + #", "tool_choice": {"type": "any", "disable_parallel_tool_use": true}"#).tools
        #expect(any?.choice == .required && any?.parallelToolCalls == false)
        #expect(try request(messages + #", "tool_choice": {"type": "tool", "name": "get_time"}"#).tools?.choice == .function("get_time"))
        #expect(try request(messages + #", "tool_choice": {"type": "none"}"#).tools == nil)
    }

    @Test("tool_use blocks are the assistant's tool_calls (input keys in order), tool_results tool messages before the turn's text")
    func history() throws {
        let body = #""messages": [\#(Self.user), \#(Self.call), {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "18"}, {"type": "text", "text": "sunny"}]}, {"type": "text", "text": "And tomorrow?"}]}, {"role": "assistant", "content": [{"type": "thinking", "thinking": "hm", "signature": "s"}, {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Paris"}}]}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_2", "content": "down", "is_error": true}]}]"#
        let messages = try request(body).messages
        #expect(messages.map(\.role) == ["user", "assistant", "tool", "user", "assistant", "tool"])
        #expect(messages[1].content == "Looking.")
        #expect(messages[1].toolCallsJSON == #"[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":{"unit":"c","city":"Paris"}}}]"#)
        #expect(messages[2].toolCallID == "toolu_1" && messages[2].content == "18\nsunny")
        #expect(messages[3].content == "And tomorrow?")
        #expect(messages[4].content == "" && messages[4].toolCallsJSON?.contains("toolu_2") == true)
        #expect(messages[5].content == "Error: down")
    }

    @Test("bad tools, choices and blocks are refused in Anthropic's shape, naming what is wrong", arguments: [
        (#""messages": [\#(user)], "tools": [{"type": "web_search_20250305", "name": "web_search"}]"#, "web_search_20250305"),
        (#""messages": [\#(user)], "tools": [{"name": "f"}]"#, "input_schema"),
        (#""messages": [\#(user)], "tools": [{"input_schema": {"type": "object"}}]"#, "tools[0].name"),
        (#""messages": [\#(user)], "tools": [{"name": "f", "input_schema": "object"}]"#, "input_schema"),
        (#""messages": [\#(user)], "tools": [\#(weather)], "tool_choice": {"type": "tool"}"#, "name"),
        (#""messages": [\#(user)], "tools": [\#(weather)], "tool_choice": {"type": "tool", "name": "nope"}"#, "nope"),
        (#""messages": [\#(user)], "tools": [\#(weather)], "tool_choice": "auto""#, "tool_choice"),
        (#""messages": [\#(user)], "tool_choice": {"type": "any"}"#, "tools to choose from"),
        (#""messages": [\#(user), {"role": "assistant", "content": "Hi"}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "1"}]}]"#, "toolu_x"),
        (#""messages": [{"role": "user", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]}]"#, "assistant turns"),
        (#""messages": [\#(user), {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": "x"}]}]"#, "input must be an object"),
        (#""messages": [\#(user), {"role": "assistant", "content": [{"type": "tool_use", "name": "f", "input": {}}]}]"#, "content[0].id"),
        (#""messages": [\#(user), \#(call), {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "image", "source": {}}]}]}]"#, "text blocks"),
    ])
    func refusals(fields: String, mention: String) {
        do {
            _ = try request(fields)
            Issue.record("accepted: \(fields)")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.message.contains(mention) || error.param?.contains(mention) == true, "\(error.message)")
        }
    }

    static func names(_ events: [MessagesStreamEvent]) -> [String] {
        events.map { event in
            switch event {
            case .toolUseBlockStart(let index, let id, let name): return "start \(index) tool_use \(name) \(id.hasPrefix("toolu_"))"
            case .inputJSONDelta(let index, let json): return "json \(index) \(json)"
            default: return MessagesBlockSequenceTests.names([event])[0]
            }
        }
    }

    @Test("calls open tool_use blocks after the text; their arguments are input_json_deltas; no empty text block when calls came")
    func blockSequence() {
        var blocks = MessagesJob.BlockSequence()
        var events = blocks.events(forCall: .content("Sure.")) + blocks.events(forCall: .callStart(index: 0, name: "f"))
        events += blocks.events(forCall: .arguments(index: 0, "{}")) + blocks.events(forCall: .callStart(index: 1, name: "g"))
        events += blocks.events(forCall: .arguments(index: 1, "")) + blocks.events(forCall: .arguments(index: 1, #"{"a":1}"#)) + blocks.finish()
        #expect(Self.names(events) == ["start 0 text", "ping", "text 0 Sure.", "stop 0", "start 1 tool_use f true", "json 1 {}",
                                       "stop 1", "start 2 tool_use g true", #"json 2 {"a":1}"#, "stop 2"])
        var only = MessagesJob.BlockSequence()
        #expect(Self.names(only.events(forCall: .callStart(index: 0, name: "f")) + only.finish()) == ["start 0 tool_use f true", "ping", "stop 0"])
        // A thought, then a call: the thinking block closes and the call opens the next block.
        var thought = MessagesJob.BlockSequence()
        let thinking = thought.events(for: .reasoning("hm")) + thought.events(forCall: .callStart(index: 0, name: "f"))
            + thought.events(forCall: .arguments(index: 0, "{}")) + thought.finish()
        #expect(Self.names(thinking) == ["start 0 thinking", "ping", "thinking 0 hm", "stop 0", "start 1 tool_use f true",
                                         "json 1 {}", "stop 1"])
    }

    @Test("a response with calls lists the text (when any) then tool_use blocks with their input objects; stop_reason tool_use")
    func response() throws {
        let usage = MessagesUsage(numPromptTokens: 3, numCachedTokens: 0, outputTokens: 2)
        let call = ToolUseBlock(call: .init(name: "get_weather", arguments: #"{"city":"Paris","days":2}"#))
        let onlyCall = try JSONValue(JSONBody.encode(MessagesResponse(
            id: "msg_1", model: "m", text: "", stop: MessagesStop(reason: "tool_use", sequence: nil), usage: usage, toolUses: [call])))
        #expect(onlyCall["content"]?.array?.count == 1)
        #expect(onlyCall["content"]?[0]?["type"] == .string("tool_use"))
        #expect(onlyCall["content"]?[0]?["id"]?.string?.hasPrefix("toolu_") == true)
        #expect(onlyCall["content"]?[0]?["input"]?["days"] == .number(2))
        #expect(onlyCall["stop_reason"] == .string("tool_use"))
        let withText = try JSONValue(JSONBody.encode(MessagesResponse(
            id: "msg_1", model: "m", text: "Sure.", stop: nil, usage: usage, toolUses: [call])))
        #expect(withText["content"]?.array?.map { $0["type"]?.string ?? "" } == ["text", "tool_use"])
        #expect(MessagesStop(finishReason: .stop, stopReason: nil, madeToolCalls: true)?.reason == "tool_use")
        #expect(MessagesStop(finishReason: .length, stopReason: nil, madeToolCalls: true)?.reason == "max_tokens")
    }
}

extension ServerModelTests {
@Suite("POST /v1/messages with tools, on the model")
struct MessagesToolsTests {
    static let tools = #"[\#(MessagesToolDecodingTests.weather), \#(MessagesToolDecodingTests.time)]"#
    static let question = #""messages": [{"role": "user", "content": "What is the weather in Paris?"}], "max_tokens": 60, "temperature": 0"#
    static let named = #""tool_choice": {"type": "tool", "name": "get_weather"}"#

    @Test("a named tool_choice answers with one tool_use block whose input matches the schema, stop_reason tool_use")
    func named() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/messages", "{\(Self.question), \"tools\": \(Self.tools), \(Self.named)}")
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            #expect(json["stop_reason"] == .string("tool_use"))
            let content = try #require(json["content"]?.array)
            #expect(content.count == 1, "\(content)")
            let block = try #require(content.first)
            #expect(block["type"] == .string("tool_use"))
            #expect(block["id"]?.string?.hasPrefix("toolu_") == true)
            #expect(block["name"] == .string("get_weather"))
            let city = try #require(block["input"]?["city"]?.string)
            #expect(!city.isEmpty && city.count <= 20)
            #expect(block["input"]?.object?.keys.sorted() == ["city"])
        }
    }

    @Test("streamed, the call is a tool_use block opened with an empty input, its input_json_deltas adding up to the same input")
    func streamed() async throws {
        try await ServerFixture.withServer { client, _ in
            let whole = try await client.post("/v1/messages", "{\(Self.question), \"tools\": \(Self.tools), \(Self.named)}").json
            let response = try await client.post("/v1/messages", "{\(Self.question), \"stream\": true, \"tools\": \(Self.tools), \(Self.named)}")
            let events = try response.namedEvents
            #expect(events.allSatisfy { $0.data["type"] == .string($0.name) })
            let names = events.map(\.name)
            let deltas = names.filter { $0 == "content_block_delta" }.count
            #expect(deltas > 1)
            #expect(names == ["message_start", "content_block_start", "ping"] + Array(repeating: "content_block_delta", count: deltas)
                    + ["content_block_stop", "message_delta", "message_stop"])
            let start = try #require(events.first { $0.name == "content_block_start" }?.data)
            #expect(start["index"] == .number(0))
            #expect(start["content_block"]?["type"] == .string("tool_use"))
            #expect(start["content_block"]?["name"] == .string("get_weather"))
            #expect(start["content_block"]?["input"]?.object?.isEmpty == true)
            #expect(start["content_block"]?["id"]?.string?.hasPrefix("toolu_") == true)
            let parts = events.filter { $0.name == "content_block_delta" }.map(\.data["delta"])
            #expect(parts.allSatisfy { $0?["type"] == .string("input_json_delta") })
            let partial = parts.compactMap { $0?["partial_json"]?.string }.joined()
            #expect(try JSONValue(ByteBuffer(string: partial)) == whole["content"]?[0]?["input"])
            let delta = try #require(events.first { $0.name == "message_delta" }?.data)
            #expect(delta["delta"]?["stop_reason"] == .string("tool_use"))
        }
    }

    @Test("a tool_use and its tool_result in the history render into the template with the tools; the model answers in text")
    func secondTurn() async throws {
        let renderer = try JinjaChatRenderer(source: ServerModelTests.ResponsesToolsTests.template, bosToken: "", eosToken: "<|im_end|>")
        try await ServerFixture.withServer(renderer: renderer) { client, _ in
            let body = #"""
                {"max_tokens": 24, "temperature": 0, "tools": \#(Self.tools), "messages": [
                  {"role": "user", "content": "What is the weather in Paris?"},
                  {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 degrees and sunny"}]}]}
                """#
            let json = try await client.post("/v1/messages", body).json
            let expected = "<|im_start|>system\nTools: get_weather get_time<|im_end|>\n<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n"
                + #"<|im_start|>assistant\#n<tool_call>get_weather {"city": "Paris"}</tool_call><|im_end|>"# + "\n"
                + "<|im_start|>tool\n[toolu_1]18 degrees and sunny<|im_end|>\n<|im_start|>assistant\n"
            let count = try await client.tokenize(expected, addSpecialTokens: false).count
            #expect(json["usage"]?.anthropicPromptTokens == count)
            // count_tokens renders the tools too, as Anthropic counts them.
            let counted = try await client.post("/v1/messages/count_tokens", body.replacingOccurrences(of: #""max_tokens": 24, "#, with: "")).json
            #expect(counted["input_tokens"]?.int == count)
            #expect(json["content"]?[0]?["type"] == .string("text"), "\(json)")
            #expect(json["content"]?[0]?["text"]?.string?.isEmpty == false)
            #expect(["end_turn", "max_tokens"].contains(json["stop_reason"]?.string ?? ""))
        }
    }

    @Test("a tool_result for an unknown id and a server tool are refused in Anthropic's shape; the server goes on")
    func refusals() async throws {
        try await ServerFixture.withServer { client, _ in
            let unknown = try await client.post("/v1/messages", #"{"max_tokens": 4, "messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "x"}]}]}"#)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json["error"]?["type"] == .string("invalid_request_error"))
            #expect(try unknown.json["error"]?["message"]?.string?.contains("toolu_9") == true)
            let server = try await client.post("/v1/messages", #"{"max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "bash_20250124", "name": "bash"}]}"#)
            #expect(server.status == .badRequest)
            #expect(try server.json["error"]?["message"]?.string?.contains("bash_20250124") == true)
            try await client.expectServesGoodRequest()
        }
    }
}
}
