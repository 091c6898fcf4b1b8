import SluiceGrammar
import Testing
@testable import SluiceServer

@Suite("pythonic tool-call parser: a Python list of calls with literal keyword arguments, sent as JSON")
struct PythonicToolCallParserTests {
    let parser = PythonicToolCallParser()

    /// The arguments of `text`'s calls as JSON values, to compare with what they stand for.
    func arguments(_ text: String) -> [SluiceGrammar.JSONValue?] {
        parser.parse(text).calls.map { try? SluiceGrammar.JSONValue.parse($0.arguments) }
    }

    func json(_ text: String) -> SluiceGrammar.JSONValue? { try? SluiceGrammar.JSONValue.parse(text) }

    @Test("a list of calls opening the answer: names in order, keyword arguments as a compact JSON object")
    func calls() {
        let parsed = parser.parse("[get_weather(city='San Francisco', metric=True, days=3), get_time()]")
        #expect(parsed == ParsedToolCalls(content: nil, calls: [
            .init(name: "get_weather", arguments: #"{"city":"San Francisco","metric":true,"days":3}"#),
            .init(name: "get_time", arguments: "{}"),
        ]))
    }

    @Test("literals convert to JSON: nested lists, tuples and dicts, None, escapes in either quote, unicode")
    func literals() {
        let text = #"[f(a=[1, 2.5, -3e2], b={'k': None, "n": {'x': (1, 2)}}, c='it\'s "q" \u00e9 漢字 🙂', d=False, e="a\nb")]"#
        #expect(arguments(text) == [json(#"{"a":[1,2.5,-3e2],"b":{"k":null,"n":{"x":[1,2]}},"c":"it's \"q\" é 漢字 🙂","d":false,"e":"a\nb"}"#)])
        #expect(arguments("[f(a=1_000, b=.5, c=1., d=+2, e=-0.25,)]") == [json(#"{"a":1000,"b":0.5,"c":1.0,"d":2,"e":-0.25}"#)])
        #expect(arguments("[f(x = true, y = null)]") == [json(#"{"x":true,"y":null}"#)], "JSON's words, as small models write them")
    }

    @Test("LFM2's <|tool_call_start|> and Llama 4's <|python_start|> tags open the list; their closing tags are dropped")
    func tagged() {
        #expect(parser.parse("<|tool_call_start|>[get_time()]<|tool_call_end|>It is noon.")
                == ParsedToolCalls(content: "It is noon.", calls: [.init(name: "get_time", arguments: "{}")]))
        #expect(parser.parse("Let me check. <|python_start|>[f(a=1)]<|python_end|>")
                == ParsedToolCalls(content: "Let me check.", calls: [.init(name: "f", arguments: #"{"a":1}"#)]))
    }

    @Test("a list left open after a whole call keeps the call; text after the list is content")
    func edges() {
        #expect(parser.parse("[f(a=1)").calls == [.init(name: "f", arguments: #"{"a":1}"#)])
        #expect(parser.parse("[f(a=1)]\nDone.") == ParsedToolCalls(content: "Done.", calls: [.init(name: "f", arguments: #"{"a":1}"#)]))
    }

    @Test("lists that are not calls, positional or non-literal arguments, a later list, other functions: content")
    func notCalls() {
        let texts = [
            "[1, 2, 3]", "[f(1)]", "[f(a=b)]", "[f(a=1 + 2)]", "[f(a=[1, 2)]", "The list [f(a=1)]", "[f(a='unclosed)]",
            "[f(a=1), 2]", "[]",
        ]
        for text in texts {
            #expect(parser.parse(text) == ParsedToolCalls(content: text, calls: []), "\(text)")
        }
        // Cut off inside a call: sent while streamed, but a whole answer without whole calls is content.
        #expect(parser.parse("[f(a=1, b=") == ParsedToolCalls(content: "[f(a=1, b=", calls: []))
        let known = PythonicToolCallParser(functionNames: ["get_weather"])
        #expect(known.parse("[Buddy(age=3)]") == ParsedToolCalls(content: "[Buddy(age=3)]", calls: []))
        #expect(known.parse("[get_weather(city='Oslo')]").calls.map(\.name) == ["get_weather"])
    }

    @Test("deeply nested literals are refused, not a stack overflow")
    func deep() {
        let deep = "[f(a=" + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + ")]"
        #expect(parser.parse(deep).calls.isEmpty)
    }
}
