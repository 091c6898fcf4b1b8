import SluiceGrammar
import Testing
@testable import SluiceServer

@Suite("llama3_json tool-call parser: JSON objects, bare or after <|python_tag|>, joined by ;")
struct Llama3JSONToolCallParserTests {
    let parser = Llama3JSONToolCallParser()

    @Test("a bare object opening the answer is a call; its parameters become compact arguments, keys in order")
    func bare() {
        let parsed = parser.parse(#"{"name": "get_weather", "parameters": {"city": "Paris", "unit": "celsius"}}"#)
        #expect(parsed == ParsedToolCalls(content: nil, calls: [.init(name: "get_weather", arguments: #"{"city":"Paris","unit":"celsius"}"#)]))
    }

    @Test("after <|python_tag|>, several calls joined by ; are read in order, arguments or parameters alike")
    func several() {
        let parsed = parser.parse(#"<|python_tag|>{"name": "a", "parameters": {}}; {"name": "b", "arguments": {"k": [1, {"x": null}]}};{"name": "c", "parameters": {"s": "é 漢字 🙂"}}"#)
        #expect(parsed.calls == [
            .init(name: "a", arguments: "{}"), .init(name: "b", arguments: #"{"k":[1,{"x":null}]}"#),
            .init(name: "c", arguments: #"{"s":"é 漢字 🙂"}"#),
        ])
        #expect(parsed.content == nil)
    }

    @Test("text before <|python_tag|> and after the last call is content; a trailing ; is dropped")
    func content() {
        #expect(parser.parse("Let me check. <|python_tag|>{\"name\": \"f\", \"parameters\": {\"q\": 1}}")
                == ParsedToolCalls(content: "Let me check.", calls: [.init(name: "f", arguments: #"{"q":1}"#)]))
        #expect(parser.parse("{\"name\": \"f\", \"parameters\": {}}\nDone.")
                == ParsedToolCalls(content: "Done.", calls: [.init(name: "f", arguments: "{}")]))
        #expect(parser.parse("{\"name\": \"f\", \"parameters\": {}}; Done")
                == ParsedToolCalls(content: "Done", calls: [.init(name: "f", arguments: "{}")]))
    }

    @Test("what small models add is tolerated: a type key, arguments as a string holding JSON")
    func tolerant() {
        #expect(parser.parse(#"{"type": "function", "name": "f", "parameters": {"a": true}}"#).calls == [.init(name: "f", arguments: #"{"a":true}"#)])
        #expect(parser.parse(#"{"name": "f", "parameters": "{\"x\": 1}"}"#).calls == [.init(name: "f", arguments: #"{"x":1}"#)])
    }

    @Test("plain JSON, an object later in the text, broken or cut-off calls, and other functions' names stay content")
    func notCalls() {
        let known = Llama3JSONToolCallParser(functionNames: ["get_weather"])
        let texts = [
            #"{"city": "Paris"}"#,
            #"The call would be {"name": "f", "parameters": {}}"#,
            #"<|python_tag|>{"name": "f", "parameters": {"a": }}"#,
            #"{"name": "f", "parameters": {"a": [1, 2"#,
            #"<|python_tag|>print("hi")"#,
            #"{"name": "f", "parameters": [1]}"#,
            "",
        ]
        for text in texts {
            #expect(parser.parse(text) == ParsedToolCalls(content: text.isEmpty ? nil : text, calls: []), "\(text)")
        }
        let other = #"{"name": "Buddy", "parameters": {"age": 3}}"#
        #expect(known.parse(other) == ParsedToolCalls(content: other, calls: []))
        #expect(known.parse(#"{"name": "get_weather", "parameters": {}}"#).calls.map(\.name) == ["get_weather"])
    }
}
