import Testing
@testable import SluiceServer

@Suite("Hermes tool-call parser: tags, fenced blocks, and what stays content")
struct HermesToolCallParserTests {
    let parser = HermesToolCallParser()

    @Test("<tool_call> blocks become calls in order, arguments as compact JSON with their keys in order")
    func tagged() {
        let parsed = parser.parse("""
            Let me check.
            <tool_call>
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
            </tool_call>
            <tool_call>{"name": "get_time", "arguments": {}}</tool_call>
            """)
        #expect(parsed.calls == [
            .init(name: "get_weather", arguments: #"{"city":"Paris","unit":"celsius"}"#),
            .init(name: "get_time", arguments: "{}"),
        ])
        #expect(parsed.content == "Let me check.")
    }

    @Test("a last block left open still counts when its JSON is whole, and arguments given as a string are read")
    func unterminatedAndStringArguments() {
        let parsed = parser.parse(#"<tool_call>{"name": "f", "arguments": "{\"x\": 1}"}"#)
        #expect(parsed.calls == [.init(name: "f", arguments: #"{"x":1}"#)])
        #expect(parsed.content == nil)
    }

    @Test("a fenced json block, as Qwen2.5-Coder writes it instead of tags, is a call; an array of calls too")
    func fenced() {
        let one = parser.parse("""
            ```json
            {"name": "search", "arguments": {"query": "swift"}}
            ```
            """)
        #expect(one.calls == [.init(name: "search", arguments: #"{"query":"swift"}"#)])
        #expect(one.content == nil)
        let two = parser.parse("Calling:\n```\n[{\"name\": \"a\", \"parameters\": {}}, {\"name\": \"b\", \"arguments\": {\"k\": [1]}}]\n```\nDone.")
        #expect(two.calls == [.init(name: "a", arguments: "{}"), .init(name: "b", arguments: #"{"k":[1]}"#)])
        #expect(two.content == "Calling:\n\nDone.")
        let open = parser.parse("Sure:\n```json\n{\"name\": \"search\", \"arguments\": {}}\n")
        #expect(open == ParsedToolCalls(content: "Sure:", calls: [.init(name: "search", arguments: "{}")]), "a last block left open")
    }

    @Test("a call object that opens the answer, bare, is a call; what follows it is content")
    func bare() {
        let parsed = parser.parse("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"London\"}}\nDone.")
        #expect(parsed == ParsedToolCalls(content: "Done.", calls: [.init(name: "get_weather", arguments: #"{"city":"London"}"#)]))
        let data = "{\"city\": \"London\"}"
        #expect(parser.parse(data) == ParsedToolCalls(content: data, calls: []))
        let late = "The call would be {\"name\": \"f\", \"arguments\": {}}"
        #expect(parser.parse(late) == ParsedToolCalls(content: late, calls: []))
    }

    @Test("with the request's functions, a block naming another function is content, in every form")
    func unknownNames() {
        let known = HermesToolCallParser(functionNames: ["get_weather"])
        for text in ["{\"name\": \"Buddy\", \"arguments\": {\"age\": 3}}", "<tool_call>{\"name\": \"x\", \"arguments\": {}}</tool_call>",
                     "```json\n[{\"name\": \"get_weather\", \"arguments\": {}}, {\"name\": \"y\", \"arguments\": {}}]\n```"] {
            #expect(known.parse(text) == ParsedToolCalls(content: text, calls: []))
        }
        #expect(known.parse("<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>").calls.count == 1)
    }

    @Test("plain text, code that is not a call and broken JSON stay content, with no calls")
    func notCalls() {
        #expect(parser.parse("Hello there.") == ParsedToolCalls(content: "Hello there.", calls: []))
        let code = "```python\nprint(1)\n```"
        #expect(parser.parse(code) == ParsedToolCalls(content: code, calls: []))
        let data = "```json\n{\"city\": \"Paris\"}\n```"
        #expect(parser.parse(data) == ParsedToolCalls(content: data, calls: []))
        let broken = "<tool_call>{\"name\": \"f\", \"arguments\": {</tool_call> ok"
        #expect(parser.parse(broken) == ParsedToolCalls(content: broken, calls: []))
    }
}
