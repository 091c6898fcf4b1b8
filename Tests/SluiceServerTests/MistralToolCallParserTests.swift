import SluiceGrammar
import Testing
@testable import SluiceServer

@Suite("mistral tool-call parser: [TOOL_CALLS] with a JSON array, or name[ARGS]{…}")
struct MistralToolCallParserTests {
    let parser = MistralToolCallParser()

    @Test("a JSON array after [TOOL_CALLS] (Mistral 7B v0.3, Nemo) is the calls, in order")
    func array() {
        let parsed = parser.parse(#"[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": {}}]"#)
        #expect(parsed == ParsedToolCalls(content: nil, calls: [
            .init(name: "get_weather", arguments: #"{"city":"Paris"}"#), .init(name: "get_time", arguments: "{}"),
        ]))
    }

    @Test("the newer forms: name[ARGS]{…} per [TOOL_CALLS], v11's name{…}, and an id after [CALL_ID]")
    func named() {
        #expect(parser.parse(#"[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]get_time[ARGS]{}"#).calls == [
            .init(name: "get_weather", arguments: #"{"city":"Paris"}"#), .init(name: "get_time", arguments: "{}"),
        ])
        #expect(parser.parse(#"[TOOL_CALLS]add{"a": 3.5, "b": 4}"#).calls == [.init(name: "add", arguments: #"{"a":3.5,"b":4}"#)])
        #expect(parser.parse(#"[TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{"city": "Oslo"}"#).calls
                == [.init(name: "get_weather", arguments: #"{"city":"Oslo"}"#)])
    }

    @Test("nested arguments with unicode and escaped braces in strings are read whole")
    func nested() {
        let parsed = parser.parse(#"[TOOL_CALLS]f[ARGS]{"q": "漢字 \"}\" 🙂", "n": {"m": [1, {"k": null}]}}"#)
        #expect(parsed.calls == [.init(name: "f", arguments: #"{"q":"漢字 \"}\" 🙂","n":{"m":[1,{"k":null}]}}"#)])
    }

    @Test("text before [TOOL_CALLS] and after a call is content")
    func content() {
        #expect(parser.parse("Sure, let me look.[TOOL_CALLS]f[ARGS]{}")
                == ParsedToolCalls(content: "Sure, let me look.", calls: [.init(name: "f", arguments: "{}")]))
        #expect(parser.parse("[TOOL_CALLS]f[ARGS]{\"a\": 1} and done")
                == ParsedToolCalls(content: "and done", calls: [.init(name: "f", arguments: #"{"a":1}"#)]))
    }

    @Test("no [TOOL_CALLS], a broken name, an unknown tag, bad JSON or another function's name: all content")
    func notCalls() {
        let texts = [
            #"[{"name": "f", "arguments": {}}]"#,
            "[TOOL_CALLS]get weather[ARGS]{}",
            "[TOOL_CALLS]f[OOPS]{}",
            #"[TOOL_CALLS]f[ARGS]{"a": ]"#,
            #"[TOOL_CALLS][{"name": "f", "arguments": {"a": }}]"#,
            "[TOOL_CALLS]",
            "The [TOOL_CALLS] token",
        ]
        for text in texts {
            #expect(parser.parse(text) == ParsedToolCalls(content: text, calls: []), "\(text)")
        }
        let known = MistralToolCallParser(functionNames: ["get_weather"])
        #expect(known.parse("[TOOL_CALLS]Buddy[ARGS]{}") == ParsedToolCalls(content: "[TOOL_CALLS]Buddy[ARGS]{}", calls: []))
        #expect(known.parse("[TOOL_CALLS]get_weather[ARGS]{}").calls.map(\.name) == ["get_weather"])
    }
}
