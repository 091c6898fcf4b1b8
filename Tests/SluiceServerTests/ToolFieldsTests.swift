import Hummingbird
import SluiceEngine
import SluiceGrammar
import SluiceTemplate
import Testing
@testable import SluiceServer

@Suite("Tool fields: decoding, the constraint of required and named choices, reading calls back")
struct ToolFieldsTests {
    static let weather = #"{"type": "function", "function": {"name": "get_weather", "description": "Weather now", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}}, "required": ["city"]}}}"#
    static let time = #"{"type": "function", "function": {"name": "get_time"}}"#

    func chat(_ fields: String) throws(APIError) -> ChatCompletionRequest {
        try ChatCompletionRequest.decode(
            from: ByteBuffer(string: #"{"messages": [{"role": "user", "content": "x"}], "# + fields + "}"))
    }

    func refusal(_ decode: () throws -> Void) -> APIError? {
        do { try decode() } catch let error as APIError { return error } catch { Issue.record("not an APIError: \(error)") }
        return nil
    }

    @Test("tools without tool_choice are auto, keep their JSON for the template, and constrain nothing")
    func auto() throws {
        let tools = try #require(try chat(#""tools": [\#(Self.weather), \#(Self.time)]"#).tools)
        #expect(tools.choice == .auto)
        #expect(tools.functions.map(\.name) == ["get_weather", "get_time"])
        #expect(tools.toolsJSON.hasPrefix(#"[{"type":"function","function":{"name":"get_weather","description""#))
        #expect(tools.constraint == nil)
        #expect(tools.calls(in: #"<tool_call>{"name": "get_time", "arguments": {}}</tool_call>"#).calls == [.init(name: "get_time", arguments: "{}")])
    }

    @Test("tool_choice none, or no tools at all, means no tools")
    func none() throws {
        #expect(try chat(#""tools": [\#(Self.weather)], "tool_choice": "none""#).tools == nil)
        #expect(try chat(#""tools": [], "tool_choice": "auto""#).tools == nil)
        #expect(try chat(#""temperature": 0"#).tools == nil)
    }

    @Test("a named function's constraint is its call object with the name fixed, and the arguments are read from it")
    func named() throws {
        let vocabulary = TokenVocabulary(tokenBytes: (0..<256).map { [UInt8($0)] } + [[]], endTokenIDs: [256])
        func accepts(_ spec: GrammarSpec, _ text: String) throws -> Bool {
            let matcher = try GrammarMatcher(grammar: try spec.compile(), vocabulary: vocabulary)
            for byte in text.utf8 where !(try matcher.accept(Int(byte))) { return false }
            return try matcher.canFinish()
        }
        let tools = try #require(try chat(#""tools": [\#(Self.weather), \#(Self.time)], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}"#).tools)
        #expect(tools.choice == .function("get_weather"))
        let spec = try #require(tools.constraint?.spec)
        #expect(spec == .jsonSchema(#"{"type":"object","properties":{"name":{"const":"get_weather"},"arguments":{"type":"object","properties":{"city":{"type":"string"},"unit":{"enum":["c","f"]}},"required":["city"]}},"required":["name","arguments"],"additionalProperties":false}"#))
        #expect(try accepts(spec, #"{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}"#))
        #expect(!(try accepts(spec, #"{"name": "get_time", "arguments": {}}"#)), "another function")
        #expect(!(try accepts(spec, #"{"city": "Paris"}"#)), "the bare arguments")
        #expect(!(try accepts(spec, #"{"name": "get_weather", "arguments": {"unit": "c"}}"#)), "city is required")
        #expect(!(try accepts(spec, #"[{"name": "get_weather", "arguments": {"city": "Paris"}}]"#)), "one call, not a list")
        let parsed = tools.calls(in: #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#)
        #expect(parsed == ParsedToolCalls(content: nil, calls: [.init(name: "get_weather", arguments: #"{"city":"Paris"}"#)]))
        #expect(tools.calls(in: #"{"name": "get_weather", "argu"#) == ParsedToolCalls(content: #"{"name": "get_weather", "argu"#, calls: []),
                "a call cut short is content")
    }

    @Test("required constrains the output to an array of calls to the tools, one at most without parallel calls")
    func required() throws {
        let vocabulary = TokenVocabulary(tokenBytes: (0..<256).map { [UInt8($0)] } + [[]], endTokenIDs: [256])
        func accepts(_ spec: GrammarSpec, _ text: String) throws -> Bool {
            let matcher = try GrammarMatcher(grammar: try spec.compile(), vocabulary: vocabulary)
            for byte in text.utf8 where !(try matcher.accept(Int(byte))) { return false }
            return try matcher.canFinish()
        }
        let parallel = try #require(try chat(#""tools": [\#(Self.weather), \#(Self.time)], "tool_choice": "required""#).tools)
        let spec = try #require(parallel.constraint?.spec)
        let two = #"[{"name":"get_time","arguments":{}},{"name":"get_weather","arguments":{"city":"Oslo"}}]"#
        #expect(try accepts(spec, two))
        #expect(!(try accepts(spec, "[]")))
        #expect(!(try accepts(spec, #"[{"name":"get_news","arguments":{}}]"#)))
        #expect(!(try accepts(spec, #"[{"name":"get_weather","arguments":{}}]"#)), "city is required")
        #expect(parallel.calls(in: two).calls.map(\.name) == ["get_time", "get_weather"])
        let single = try #require(try chat(#""tools": [\#(Self.time)], "tool_choice": "required", "parallel_tool_calls": false"#).tools)
        let one = try #require(single.constraint?.spec)
        #expect(try accepts(one, #"[{"name":"get_time","arguments":{}}]"#))
        #expect(!(try accepts(one, #"[{"name":"get_time","arguments":{}},{"name":"get_time","arguments":{}}]"#)))
    }

    @Test("a tool whose schema refers to its own $defs (pydantic's nested models) compiles named, required and lazy, and holds")
    func localReferences() throws {
        let vocabulary = TokenVocabulary(tokenBytes: (0..<256).map { [UInt8($0)] } + [[]], endTokenIDs: [256])
        func accepts(_ spec: GrammarSpec, _ text: String) throws -> Bool {
            let matcher = try GrammarMatcher(grammar: try spec.compile(), vocabulary: vocabulary)
            for byte in text.utf8 where !(try matcher.accept(Int(byte))) { return false }
            return try matcher.canFinish()
        }
        let team = ##"{"type": "function", "function": {"name": "team", "parameters": {"$defs": {"Member": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], "additionalProperties": false}}, "type": "object", "properties": {"members": {"type": "array", "items": {"$ref": "#/$defs/Member"}}}, "required": ["members"]}}}"##
        let call = #"{"name": "team", "arguments": {"members": [{"name": "Ana"}]}}"#
        let wrong = #"{"name": "team", "arguments": {"members": [{"age": 3}]}}"#
        let named = try #require(try chat(#""tools": [\#(Self.weather), \#(team)], "tool_choice": {"type": "function", "function": {"name": "team"}}"#).tools)
        let namedSpec = try #require(named.constraint?.spec)
        #expect(try accepts(namedSpec, call))
        #expect(!(try accepts(namedSpec, wrong)), "the referenced schema holds")
        let required = try #require(try chat(#""tools": [\#(Self.weather), \#(team)], "tool_choice": "required""#).tools)
        #expect(try accepts(try #require(required.constraint?.spec), "[\(call)]"))
        #expect(!(try accepts(try #require(required.constraint?.spec), "[\(wrong)]")))
        let auto = try #require(try chat(#""tools": [\#(Self.weather), \#(team)]"#).tools)
        #expect(try accepts(try #require(auto.lazyCallConstraint?.spec), call))
        #expect(!(try accepts(try #require(auto.lazyCallConstraint?.spec), wrong)))
        #expect(ToolFields.rebasingReferences(in: try SluiceGrammar.JSONValue.parse(##"{"a": [{"$ref": "#"}, {"$ref": "#/$defs/X"}], "$ref": "other.json"}"##),
                                              onto: "/p").compactText()
                == ##"{"a":[{"$ref":"#/p"},{"$ref":"#/p/$defs/X"}],"$ref":"other.json"}"##)
    }

    @Test("bad tools and choices are 400s naming the field", arguments: [
        (#""tool_choice": "required""#, "tool_choice"),
        (#""tools": [], "tool_choice": "required""#, "tool_choice"),
        (#""tools": [{"type": "function", "function": {}}]"#, "tools[0].function.name"),
        (#""tools": [{"type": "function", "function": {"name": "f", "parameters": 3}}]"#, "tools[0].function.parameters"),
        (#""tools": [\#(weather)], "tool_choice": {"type": "function", "function": {"name": "nope"}}"#, "tool_choice"),
        (#""tools": [\#(weather)], "tool_choice": "sometimes""#, "tool_choice"),
        (#""tools": [\#(weather)], "tool_choice": "required", "response_format": {"type": "json_object"}"#, "response_format"),
    ])
    func refusals(fields: String, param: String) {
        let error = refusal { _ = try chat(fields) }
        #expect(error?.status == .badRequest)
        #expect(error?.param == param)
    }

    @Test("the Jinja renderer gives the tools to the template as `tools`, and none when there are none")
    func templateSeesTools() throws {
        let renderer = try JinjaChatRenderer(
            source: "{% if tools %}{% for t in tools %}[{{ t.function.name }}]{% endfor %}{% endif %}{% for m in messages %}{{ m.content }}{% endfor %}",
            bosToken: "", eosToken: "")
        let messages = [ChatMessage(role: "user", content: "hi")]
        let tools = try #require(try chat(#""tools": [\#(Self.weather), \#(Self.time)]"#).tools)
        let variables: [String: JinjaValue] = ["tools": try JinjaValue(parsingJSON: tools.toolsJSON)]
        #expect(try renderer.render(messages: messages, addGenerationPrompt: true, variables: variables) == "[get_weather][get_time]hi")
        #expect(try renderer.render(messages: messages, addGenerationPrompt: true) == "hi")
        let spans = try renderer.renderWithContentSpans(messages: messages, addGenerationPrompt: true, variables: variables)
        #expect(spans.text == "[get_weather][get_time]hi")
        #expect(spans.contentRanges == [23..<25])
    }

    @Test("assistant tool_calls (arguments as objects, keys in order) and tool messages reach the template")
    func toolMessages() throws {
        let body = #"{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"unit\": \"c\", \"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "18"}]}"#
        let request = try ChatCompletionRequest.decode(from: ByteBuffer(string: body))
        #expect(request.messages[1].toolCallsJSON
            == #"[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":{"unit":"c","city":"Paris"}}}]"#)
        #expect(request.messages[2].toolCallID == "c1")
        #expect(request.messages[0].toolCallsJSON == nil)
        let renderer = try JinjaChatRenderer(
            source: "{% for m in messages %}{{ m.role }}:{% if m.tool_calls %}{% for c in m.tool_calls %}{{ c.function.name }}"
                + "({{ c.function.arguments.city }}){% endfor %}{% endif %}{% if m.tool_call_id %}[{{ m.tool_call_id }}]{% endif %}"
                + "{{ m.content }};{% endfor %}",
            bosToken: "", eosToken: "")
        #expect(try renderer.render(messages: request.messages, addGenerationPrompt: false)
            == "user:Weather?;assistant:get_weather(Paris);tool:[c1]18;")
        let error = refusal {
            _ = try ChatCompletionRequest.decode(from: ByteBuffer(string: #"{"messages": [{"role": "assistant", "tool_calls": [{"type": "function"}]}]}"#))
        }
        #expect(error?.param == "messages[0].tool_calls[0]")
    }
}
