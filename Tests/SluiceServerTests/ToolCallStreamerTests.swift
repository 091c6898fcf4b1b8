import SluiceGrammar
import Testing
@testable import SluiceServer

@Suite("Tool calls streamed as they are written: the same calls and content as the whole-text parser")
struct ToolCallStreamerTests {
    static let auto = ToolFields(functions: [], choice: .auto, parallelToolCalls: true, toolsJSON: "[]")

    /// Texts a model writes with tools: tags, several calls, fences, code, broken blocks, and plain text.
    static let texts = [
        "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>\n<tool_call>{\"name\": \"get_time\", \"arguments\": {}}</tool_call>",
        #"<tool_call>{"name": "f", "arguments": "{\"x\": 1}"}"#,
        "```json\n{\"name\": \"search\", \"arguments\": {\"query\": \"swift\"}}\n```",
        "Calling:\n```\n[{\"name\": \"a\", \"parameters\": {}}, {\"name\": \"b\", \"arguments\": {\"k\": [1]}}]\n```\nDone.",
        "Hello there.",
        "Sure:\n```json\n{\n  \"name\": \"get_weather\",\n  \"arguments\": {\"city\": \"Paris\"}\n}",
        "```json\n{\"city\": ",
        "```python\nprint(1)\n```",
        "```json\n{\"city\": \"Paris\"}\n```",
        "<tool_call>{\"name\": \"f\", \"arguments\": {</tool_call> ok",
        "  I'll look it up. <tool_call>{\"arguments\": {\"q\": \"a \\\"quoted\\\" }{ string\"}, \"name\": \"lookup\"}</tool_call>  ",
        "<tool_call>[{\"name\": \"a\", \"arguments\": {\"n\": -1.5e3, \"ok\": true, \"v\": null}}, {\"name\": \"b\", \"arguments\": {\"l\": [[], {}]}}]</tool_call>",
        "<tool_call>{\"name\": \"f\", \"id\": 7, \"extra\": [1, {\"a\": \"}\"}], \"arguments\": {\"s\": \"é 漢字 🙂 <tool_call>\"}}</tool_call>\nAfter.",
        "a < b and c <tool and ``` inline",
        "<tool_call>{\"name\": \"f\"}</tool_call> no arguments",
        "x <tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}",
        "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"London\", \"unit\": \"celsius\"}}",
        "  [{\"name\": \"a\", \"arguments\": {}}]\nThat is the call.",
        "{\"city\": \"Paris\"} is plain JSON, not a call",
        "Some code:\n```swift\nlet x = 1\n```\nthen <tool_call>{\"name\": \"g\", \"arguments\": {\"y\": 2}}</tool_call>",
    ]

    /// What the events add up to: the content, and each call's name and whole arguments.
    struct Assembled: Equatable {
        var content = ""
        var calls: [(name: String, arguments: String)] = []

        static func == (a: Assembled, b: Assembled) -> Bool {
            a.content == b.content && a.calls.map(\.name) == b.calls.map(\.name) && a.calls.map(\.arguments) == b.calls.map(\.arguments)
        }
    }

    static func assemble(_ events: [ToolCallStreamer.Event]) -> Assembled {
        var result = Assembled()
        for event in events {
            switch event {
            case .content(let text): result.content += text
            case .callStart(let index, let name):
                #expect(index == result.calls.count, "calls open in order")
                result.calls.append((name, ""))
            case .arguments(let index, let text): result.calls[index].arguments += text
            }
        }
        // The streamer sends the model's own characters; compare arguments as parsed JSON.
        result.calls = result.calls.map { call in
            (call.name, (try? SluiceGrammar.JSONValue.parse(call.arguments).compactText()) ?? "unparsable: \(call.arguments)")
        }
        return result
    }

    static func stream(_ text: String, in pieces: [Int], tools: ToolFields = auto) -> [ToolCallStreamer.Event] {
        var streamer = ToolCallStreamer(tools: tools)
        var events: [ToolCallStreamer.Event] = []
        var rest = Substring(text)
        var index = 0
        while !rest.isEmpty {
            let size = max(1, pieces[index % pieces.count])
            events += streamer.feed(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
            index += 1
        }
        return events + streamer.finish()
    }

    @Test("whole, a character at a time, or in uneven pieces, the stream adds up to what the parser reads", arguments: texts)
    func matchesParser(text: String) {
        let parsed = HermesToolCallParser().parse(text)
        let expected = Assembled(content: parsed.content ?? "", calls: parsed.calls.map { ($0.name, $0.arguments) })
        for pieces in [[text.count], [1], [3, 1, 7, 2], [5, 11]] {
            #expect(Self.assemble(Self.stream(text, in: pieces)) == expected, "pieces \(pieces)")
        }
    }

    @Test("a call's id and name go out once its name is written, its arguments as they arrive, before the block ends")
    func incremental() {
        var streamer = ToolCallStreamer(tools: Self.auto)
        #expect(streamer.feed("Checking.\n<tool") == [.content("Checking.")])
        #expect(streamer.feed("_call>\n{\"name\": \"get_weather\", \"arg").isEmpty)
        #expect(streamer.feed("uments\": {\"ci") == [.callStart(index: 0, name: "get_weather"), .arguments(index: 0, "{\"ci")])
        #expect(streamer.feed("ty\": \"Par") == [.arguments(index: 0, "ty\": \"Par")])
        #expect(streamer.feed("is\"}}\n</tool_call>\nDone") == [.arguments(index: 0, "is\"}"), .content("\n\nDone")])
        #expect(streamer.finish().isEmpty)
        #expect(streamer.numCalls == 1)
    }

    @Test("with the request's functions, an object naming another function streams as content, like the parser reads it")
    func unknownNames() {
        let tools = ToolFields(functions: [.init(name: "get_weather", parameters: .object([]))], choice: .auto,
                               parallelToolCalls: true, toolsJSON: "[]")
        for text in ["{\"name\": \"Buddy\", \"arguments\": {\"age\": 3}}", "a <tool_call>{\"name\": \"x\", \"arguments\": {}}</tool_call> b",
                     "```json\n{\"name\": \"Buddy\", \"arguments\": {}}\n```", "<tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>"] {
            let parsed = tools.calls(in: text)
            let expected = Assembled(content: parsed.content ?? "", calls: parsed.calls.map { ($0.name, $0.arguments) })
            for pieces in [[1], [4, 7], [text.count]] {
                #expect(Self.assemble(Self.stream(text, in: pieces, tools: tools)) == expected, "\(text) in \(pieces)")
            }
        }
    }

    @Test("a call cut off (max_tokens) was already sent as far as it went, as OpenAI's streams end at length")
    func cutOff() {
        for text in ["{\"name\": \"f\", \"arguments\": {\"a\": [1, 2", "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": [1, 2"] {
            let events = Self.stream(text, in: [3])
            #expect(events.first == .callStart(index: 0, name: "f"))
            let arguments = events.compactMap { if case .arguments(_, let text) = $0 { text } else { nil } }.joined()
            #expect(arguments == "{\"a\": [1, 2")
            #expect(!events.contains { if case .content = $0 { true } else { false } })
        }
    }

    @Test("text that might open a tag is held only while it might, and trailing whitespace waits for more content")
    func holding() {
        var streamer = ToolCallStreamer(tools: Self.auto)
        #expect(streamer.feed("  a <tool") == [.content("a")])
        #expect(streamer.feed("s are fine ") == [.content(" <tools are fine")])
        #expect(streamer.feed("\n") == [])
        #expect(streamer.finish().isEmpty)
        #expect(streamer.numCalls == 0)
    }

    @Test("a named tool_choice streams its call object's arguments once its name is written")
    func named() {
        let tools = ToolFields(functions: [.init(name: "get_weather", parameters: .object([]))], choice: .function("get_weather"),
                               parallelToolCalls: true, toolsJSON: "[]")
        var streamer = ToolCallStreamer(tools: tools)
        #expect(streamer.feed(#"{"name": "get_weather", "arguments": "#) == [], "nothing opens before the arguments do")
        #expect(streamer.feed("{\"city\"").first == .callStart(index: 0, name: "get_weather"))
        #expect(streamer.feed(": \"Oslo\"}}").allSatisfy { if case .arguments(index: 0, _) = $0 { true } else { false } })
        #expect(streamer.finish().isEmpty)
        let text = #"{"name": "get_weather", "arguments": {"city": "Oslo"}}"#
        for pieces in [[1], [5, 11], [text.count]] {
            #expect(Self.assemble(Self.stream(text, in: pieces, tools: tools))
                    == Assembled(calls: [("get_weather", #"{"city":"Oslo"}"#)]), "pieces \(pieces)")
        }
    }

    @Test("tool_choice required streams each call of the array; an array that does not read is content")
    func required() {
        let tools = ToolFields(functions: [], choice: .required, parallelToolCalls: true, toolsJSON: "[]")
        let text = "[{\"name\": \"a\", \"arguments\": {\"x\": 1}}, {\"name\": \"b\", \"arguments\": {}}]"
        for pieces in [[1], [4, 9], [text.count]] {
            let assembled = Self.assemble(Self.stream(text, in: pieces, tools: tools))
            #expect(assembled.calls.map(\.name) == ["a", "b"])
            #expect(assembled.calls.map(\.arguments) == [#"{"x":1}"#, "{}"])
            #expect(assembled.content == "")
        }
        #expect(Self.assemble(Self.stream("not json", in: [2], tools: tools)) == Assembled(content: "not json"))
    }
}
