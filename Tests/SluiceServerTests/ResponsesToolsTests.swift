import Hummingbird
import HummingbirdTesting
import SluiceTemplate
import Testing
@testable import SluiceServer

/// The Responses API's function tools in the chat shape the template and the parser share.
@Suite("Responses tools: flat function tools, tool_choice, function_call items, the streamed items")
struct ResponsesToolDecodingTests {
    static let weather = #"{"type": "function", "name": "get_weather", "description": "Weather now", "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}}, "required": ["city"], "additionalProperties": false}, "strict": true}"#
    static let time = #"{"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}, "additionalProperties": false}}"#

    func request(_ fields: String) throws(APIError) -> ResponsesRequest {
        try ResponsesRequest.decode(from: ByteBuffer(string: "{" + fields + "}"))
    }

    func refusal(_ body: String) -> APIError? {
        do { _ = try request(body) } catch { return error }
        return nil
    }

    @Test("flat function tools read as chat's nested tools; tool_choice auto, required, a named function, none; parallel_tool_calls")
    func decoding() throws {
        let auto = try #require(try request(#""input": "Hi", "tools": [\#(Self.weather), \#(Self.time)]"#).tools)
        #expect(auto.choice == .auto)
        #expect(auto.functions.map(\.name) == ["get_weather", "get_time"])
        #expect(auto.parallelToolCalls)
        #expect(auto.toolsJSON.hasPrefix(
            #"[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city""#))
        #expect(try request(#""input": "Hi", "tools": [\#(Self.weather)], "tool_choice": "required""#).tools?.choice == .required)
        let named = try request(#""input": "Hi", "tools": [\#(Self.weather), \#(Self.time)], "tool_choice": {"type": "function", "name": "get_time"}, "parallel_tool_calls": false"#)
        #expect(named.tools?.choice == .function("get_time"))
        #expect(named.tools?.parallelToolCalls == false)
        #expect(named.toolsEcho.toolChoice.compactText() == #"{"type":"function","name":"get_time"}"#)
        #expect(named.toolsEcho.tools.arrayValue?.count == 2)
        #expect(named.toolsEcho.parallelToolCalls == false)
        #expect(try request(#""input": "Hi", "tools": [\#(Self.weather)], "tool_choice": "none""#).tools == nil)
        #expect(try request(#""input": "Hi", "tools": [\#(Self.weather)]"#).toolsEcho.toolChoice == .string("auto"))
        #expect(try request(#""input": "Hi""#).toolsEcho.toolChoice == .string("none"))
    }

    @Test("bad tools, choices and items are refused with a 400 naming the field", arguments: [
        (#""input": "Hi", "tools": [{"type": "web_search"}]"#, "tools[0].type"),
        (#""input": "Hi", "tools": [{"type": "file_search", "vector_store_ids": ["v"]}]"#, "tools[0].type"),
        (#""input": "Hi", "tools": [{"type": "function", "function": {"name": "f"}}]"#, "tools[0].name"),
        (#""input": "Hi", "tools": [{"name": "f"}]"#, "tools[0].type"),
        (#""input": "Hi", "tools": [{"type": "function", "name": "f", "parameters": "x"}]"#, "tools[0].parameters"),
        (#""input": "Hi", "tools": {"type": "function", "name": "f"}"#, "tools"),
        (#""input": "Hi", "tools": [\#(weather)], "tool_choice": {"type": "web_search_preview"}"#, "tool_choice"),
        (#""input": "Hi", "tools": [\#(weather)], "tool_choice": {"type": "function", "name": "nope"}"#, "tool_choice"),
        (#""input": "Hi", "tools": [\#(weather)], "tool_choice": {"type": "function"}"#, "tool_choice"),
        (#""input": "Hi", "tool_choice": "required""#, "tool_choice"),
        (#""input": "Hi", "tools": [\#(weather)], "tool_choice": "sometimes""#, "tool_choice"),
        (#""input": "Hi", "tools": [\#(weather)], "parallel_tool_calls": "yes""#, "parallel_tool_calls"),
        (#""input": [{"type": "function_call", "name": "f", "arguments": "{}"}]"#, "input[0].call_id"),
        (#""input": [{"type": "function_call", "call_id": "c", "arguments": "{}"}]"#, "input[0].name"),
        (#""input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": {"a": 1}}]"#, "input[0].arguments"),
        (#""input": [{"type": "function_call_output", "output": "x"}]"#, "input[0].call_id"),
        (#""input": [{"type": "function_call_output", "call_id": "c", "output": 3}]"#, "input[0].output"),
        (#""input": [{"type": "function_call_output", "call_id": "c", "output": [{"type": "input_image", "image_url": "x"}]}]"#, "input[0].output[0]"),
        (#""input": "Hi", "tools": [\#(weather)], "tool_choice": "required", "text": {"format": {"type": "json_object"}}"#, "text.format"),
    ])
    func refusals(fields: String, param: String) {
        let error = refusal(fields)
        #expect(error?.status == .badRequest, "\(fields)")
        #expect(error?.param == param, "\(String(describing: error))")
    }

    @Test("function_call items join the assistant turn before them, consecutive calls share it, outputs are tool messages, unknown ids pass")
    func conversation() throws {
        let body = #"""
            "input": [
              {"role": "user", "content": "Weather in Paris and the time?"},
              {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Let me look."}]},
              {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "get_weather", "arguments": "{\"unit\": \"c\", \"city\": \"Paris\"}", "status": "completed"},
              {"type": "function_call", "call_id": "call_b", "name": "get_time", "arguments": "{}"},
              {"type": "function_call_output", "call_id": "call_a", "output": "18 degrees"},
              {"type": "function_call_output", "call_id": "call_unknown", "output": [{"type": "input_text", "text": "noon"}]},
              {"type": "function_call", "call_id": "call_c", "name": "get_time", "arguments": "not json"}]
            """#
        let messages = try request(body).conversation
        #expect(messages.map(\.role) == ["user", "assistant", "tool", "tool", "assistant"])
        #expect(messages[1].content == "Let me look.")
        #expect(messages[1].toolCallsJSON == #"[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":{"unit":"c","city":"Paris"}}},{"id":"call_b","type":"function","function":{"name":"get_time","arguments":{}}}]"#)
        #expect(messages[2].toolCallID == "call_a" && messages[2].content == "18 degrees")
        #expect(messages[3].toolCallID == "call_unknown" && messages[3].content == "noon")
        // Arguments that are not JSON reach the template as the string they are.
        #expect(messages[4].content == "" && messages[4].toolCallsJSON == #"[{"id":"call_c","type":"function","function":{"name":"get_time","arguments":"not json"}}]"#)
        let renderer = try JinjaChatRenderer(source: ServerModelTests.ResponsesToolsTests.template, bosToken: "", eosToken: "")
        #expect(try renderer.render(messages: messages, addGenerationPrompt: false)
            == "<|im_start|>user\nWeather in Paris and the time?<|im_end|>\n<|im_start|>assistant\nLet me look."
            + #"<tool_call>get_weather {"unit": "c", "city": "Paris"}</tool_call><tool_call>get_time {}</tool_call><|im_end|>"# + "\n"
            + "<|im_start|>tool\n[call_a]18 degrees<|im_end|>\n<|im_start|>tool\n[call_unknown]noon<|im_end|>\n"
            + #"<|im_start|>assistant\#n<tool_call>get_time "not json"</tool_call><|im_end|>"# + "\n")
    }

    static func names(_ events: [ResponseStreamEvent]) -> [String] {
        events.map { event in
            switch event {
            case .outputItemAdded(let item, let index):
                if case .functionCall(let call) = item { return "added \(index) call \(call.name)" }
                return "added \(index) message"
            case .outputTextDelta(_, let index, let delta): return "text \(index) \(delta)"
            case .functionCallArgumentsDelta(_, let index, let delta): return "arguments \(index) \(delta)"
            case .functionCallArgumentsDone(_, let index, let arguments): return "arguments done \(index) \(arguments)"
            case .outputItemDone(_, let index): return "done \(index)"
            default: return event.type
            }
        }
    }

    @Test("streamed items: a message opens with its first text and closes when a call opens; calls are items with argument deltas")
    func outputSequence() {
        var items = ResponseOutputSequence(messageID: "msg_1")
        var events = items.events(for: .content("")) + items.events(for: .content("Sure."))
        events += items.events(for: .callStart(index: 0, name: "get_time")) + items.events(for: .arguments(index: 0, "{"))
        events += items.events(for: .arguments(index: 0, "}")) + items.events(for: .callStart(index: 1, name: "get_weather"))
        events += items.events(for: .arguments(index: 1, #"{"city":"Paris"}"#)) + items.finish(status: "completed")
        #expect(Self.names(events) == [
            "added 0 message", "response.content_part.added", "text 0 Sure.", "response.output_text.done",
            "response.content_part.done", "done 0", "added 1 call get_time", "arguments 1 {", "arguments 1 }",
            "arguments done 1 {}", "done 1", "added 2 call get_weather", #"arguments 2 {"city":"Paris"}"#,
            #"arguments done 2 {"city":"Paris"}"#, "done 2",
        ])
        #expect(items.closed.map(\.id).first == "msg_1")
        #expect(items.closed.count == 3)

        var empty = ResponseOutputSequence(messageID: "msg_2")
        #expect(Self.names(empty.finish(status: "incomplete")) == [
            "added 0 message", "response.content_part.added", "response.output_text.done", "response.content_part.done", "done 0",
        ])
        var plain = ResponseOutputSequence(messageID: "msg_3")
        #expect(Self.names(plain.openMessageNow() + plain.events(for: .content("Hi")) + plain.finish(status: "completed")) == [
            "added 0 message", "response.content_part.added", "text 0 Hi", "response.output_text.done",
            "response.content_part.done", "done 0",
        ])
        var cut = ResponseOutputSequence(messageID: "msg_4")
        _ = cut.events(for: .callStart(index: 0, name: "f")) + cut.events(for: .arguments(index: 0, #"{"a"#))
        guard case .functionCall(let call)? = cut.items(openStatus: "incomplete").last else {
            Issue.record("the open call is among the items")
            return
        }
        #expect(call.status == "incomplete" && call.arguments == #"{"a"#)
    }
}

extension ServerModelTests {
@Suite("POST /v1/responses with tools, on the model")
struct ResponsesToolsTests {
    static let tools = #"[\#(ResponsesToolDecodingTests.weather), \#(ResponsesToolDecodingTests.time)]"#
    static let named = #""tool_choice": {"type": "function", "name": "get_weather"}"#
    static let question = #""input": "What is the weather in Paris?", "max_output_tokens": 60, "temperature": 0"#
    /// ChatML with tools and calls written out, as Qwen2.5's template does in spirit.
    static let template = """
        {% if tools %}<|im_start|>system
        Tools:{% for t in tools %} {{ t.function.name }}{% endfor %}<|im_end|>
        {% endif %}{% for m in messages %}<|im_start|>{{ m.role }}
        {% if m.tool_call_id %}[{{ m.tool_call_id }}]{% endif %}{{ m.content }}{% if m.tool_calls %}{% for c in m.tool_calls %}<tool_call>{{ c.function.name }} {{ c.function.arguments | tojson }}</tool_call>{% endfor %}{% endif %}<|im_end|>
        {% endfor %}{% if add_generation_prompt %}<|im_start|>assistant
        {% endif %}
        """

    @Test("a named tool_choice answers with one completed function_call item whose arguments parse, and echoes the tools")
    func named() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/responses", "{\(Self.question), \"tools\": \(Self.tools), \(Self.named)}")
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            #expect(json["status"] == .string("completed"))
            let output = try #require(json["output"]?.array)
            #expect(output.count == 1, "\(output)")
            let call = try #require(output.first)
            #expect(call["type"] == .string("function_call"))
            #expect(call["status"] == .string("completed"))
            #expect(call["name"] == .string("get_weather"))
            #expect(call["id"]?.string?.hasPrefix("fc_") == true)
            #expect(call["call_id"]?.string?.hasPrefix("call_") == true)
            let arguments = try JSONValue(ByteBuffer(string: try #require(call["arguments"]?.string)))
            let city = try #require(arguments["city"]?.string)
            #expect(!city.isEmpty && city.count <= 20)
            #expect(arguments.object?.keys.sorted() == ["city"])
            #expect(json["tools"]?.array?.count == 2)
            #expect(json["tools"]?[0]?["name"] == .string("get_weather"))
            #expect(json["tool_choice"]?["name"] == .string("get_weather"))
        }
    }

    @Test("streamed, a call is an output item: added with its name, argument deltas, arguments done, item done, then completed")
    func streamed() async throws {
        try await ServerFixture.withServer { client, _ in
            let whole = try await client.post("/v1/responses", "{\(Self.question), \"tools\": \(Self.tools), \(Self.named)}").json
            let response = try await client.post("/v1/responses", "{\(Self.question), \"stream\": true, \"tools\": \(Self.tools), \(Self.named)}")
            let events = try response.namedEvents
            #expect(events.compactMap { $0.data["sequence_number"]?.int } == Array(0..<events.count))
            let names = events.map(\.name)
            let deltas = names.filter { $0 == "response.function_call_arguments.delta" }.count
            #expect(deltas > 1)
            #expect(names == ["response.created", "response.in_progress", "response.output_item.added"]
                    + Array(repeating: "response.function_call_arguments.delta", count: deltas)
                    + ["response.function_call_arguments.done", "response.output_item.done", "response.completed"])
            let added = try #require(events.first { $0.name == "response.output_item.added" }?.data)
            #expect(added["output_index"] == .number(0))
            #expect(added["item"]?["type"] == .string("function_call"))
            #expect(added["item"]?["name"] == .string("get_weather"))
            #expect(added["item"]?["arguments"] == .string(""))
            #expect(added["item"]?["status"] == .string("in_progress"))
            let itemID = try #require(added["item"]?["id"]?.string)
            let parts = events.filter { $0.name == "response.function_call_arguments.delta" }.map(\.data)
            #expect(parts.allSatisfy { $0["item_id"] == .string(itemID) && $0["output_index"] == .number(0) })
            let streamed = parts.compactMap { $0["delta"]?.string }.joined()
            let done = try #require(events.first { $0.name == "response.function_call_arguments.done" }?.data)
            #expect(done["arguments"] == .string(streamed))
            let item = try #require(events.first { $0.name == "response.output_item.done" }?.data["item"])
            #expect(item["arguments"] == .string(streamed) && item["status"] == .string("completed"))
            #expect(try JSONValue(ByteBuffer(string: streamed)) == JSONValue(ByteBuffer(string: whole["output"]?[0]?["arguments"]?.string ?? "")))
            let completed = try #require(events.last?.data["response"])
            #expect(completed["output"]?[0]?["id"] == .string(itemID))
            #expect(completed["output"]?.array?.count == 1)
        }
    }

    @Test("tool_choice required calls one of the listed tools; auto with a question the model answers in words leaves a message")
    func requiredAndAuto() async throws {
        try await ServerFixture.withServer { client, _ in
            let required = try await client.post("/v1/responses", """
                {"input": "What time is it?", "max_output_tokens": 80, "temperature": 0, "frequency_penalty": 1,
                 "tools": \(Self.tools), "tool_choice": "required", "parallel_tool_calls": false}
                """).json
            let calls = try #require(required["output"]?.array)
            #expect(calls.count == 1, "\(required)")
            #expect(calls.first?["type"] == .string("function_call"), "\(required)")
            #expect(["get_weather", "get_time"].contains(calls.first?["name"]?.string ?? ""))
            #expect(required["parallel_tool_calls"] == .bool(false))

            let plain = try await client.post("/v1/responses", #"{"input": "What is the capital of France?", "max_output_tokens": 16, "temperature": 0}"#).json
            let auto = try await client.post("/v1/responses", #"{"input": "What is the capital of France?", "max_output_tokens": 16, "temperature": 0, "tools": \#(Self.tools)}"#).json
            #expect(auto["output"]?.array?.count == 1)
            #expect(auto["output"]?[0]?["type"] == .string("message"))
            #expect(auto["output"]?[0]?["content"]?[0]?["text"] == plain["output"]?[0]?["content"]?[0]?["text"])
            #expect(auto["tool_choice"] == .string("auto"))
        }
    }

    @Test("a second turn with the call and its output renders them into the template with the tools, and the model answers in text")
    func secondTurn() async throws {
        let renderer = try JinjaChatRenderer(source: Self.template, bosToken: "", eosToken: "<|im_end|>")
        try await ServerFixture.withServer(renderer: renderer) { client, _ in
            let body = #"""
                {"max_output_tokens": 24, "temperature": 0, "tools": \#(Self.tools), "input": [
                  {"role": "user", "content": "What is the weather in Paris?"},
                  {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\": \"Paris\"}"},
                  {"type": "function_call_output", "call_id": "call_1", "output": "18 degrees and sunny"}]}
                """#
            let json = try await client.post("/v1/responses", body).json
            let expected = "<|im_start|>system\nTools: get_weather get_time<|im_end|>\n<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n"
                + #"<|im_start|>assistant\#n<tool_call>get_weather {"city": "Paris"}</tool_call><|im_end|>"# + "\n"
                + "<|im_start|>tool\n[call_1]18 degrees and sunny<|im_end|>\n<|im_start|>assistant\n"
            #expect(json["usage"]?["input_tokens"]?.int == (try await client.tokenize(expected, addSpecialTokens: false).count))
            let message = try #require(json["output"]?.array?.first { $0["type"] == .string("message") })
            #expect(message["content"]?[0]?["text"]?.string?.isEmpty == false, "\(json)")
        }
    }
}
}
