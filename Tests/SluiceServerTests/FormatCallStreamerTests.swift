import Foundation
import SluiceEngine
import SluiceGrammar
import Testing
@testable import SluiceServer

@Suite("Tool calls streamed in the llama3_json, mistral and pythonic formats: the same calls and content as the whole text")
struct FormatCallStreamerTests {
    typealias Assembled = ToolCallStreamerTests.Assembled

    static func tools(_ kind: ToolCallParserKind, choice: ToolFields.Choice = .auto, names: [String] = []) -> ToolFields {
        var tools = ToolFields(functions: names.map { .init(name: $0, parameters: .object([])) }, choice: choice,
                               parallelToolCalls: true, toolsJSON: "[]")
        tools.parserKind = kind
        return tools
    }

    /// What models write in each format: calls, several, text around them, broken ones and plain text.
    static let cases: [(ToolCallParserKind, String)] = [
        (.llama3JSON, #"{"name": "get_weather", "parameters": {"city": "Paris", "unit": "celsius"}}"#),
        (.llama3JSON, #"<|python_tag|>{"name": "a", "parameters": {}}; {"name": "b", "arguments": {"k": [1, {"x": "}{ é 🙂"}]}}"#),
        (.llama3JSON, "Let me check. <|python_tag|>{\"name\": \"f\", \"parameters\": {\"q\": 1}}\n\nDone."),
        (.llama3JSON, #"{"type": "function", "name": "f", "parameters": "{\"x\": 1}"}; then"#),
        (.llama3JSON, #"{"city": "Paris"} is plain JSON"#),
        (.llama3JSON, "a <|python and <|python_tag|>print(1) and more"),
        (.llama3JSON, #"<|python_tag|>{"name": "f"#),
        (.mistral, #"[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": {}}]"#),
        (.mistral, #"Sure.[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]get_time[ARGS]{}"#),
        (.mistral, #"[TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{"q": "漢字 \"}\" 🙂", "n": {"m": [1, {"k": null}]}} ok"#),
        (.mistral, #"[TOOL_CALLS]add{"a": 3.5, "b": 4}"#),
        (.mistral, "[TOOL_CALLS]get weather[ARGS]{} and [TOOL_CALLS]f[OOPS]{}, [TOOL"),
        (.mistral, "Just text with [brackets] and [TOOL"),
        (.pythonic, "[get_weather(city='San Francisco', metric=True, days=3), get_time()]"),
        (.pythonic, #"[f(a=[1, 2.5, -3e2], b={'k': None, "n": {'x': (1, 2)}}, c='it\'s ")" \u00e9 漢字')]"#),
        (.pythonic, "Let me check. <|tool_call_start|>[get_time()]<|tool_call_end|>It is noon."),
        (.pythonic, "[1, 2, 3] are numbers"),
        (.pythonic, "[f(a=b)] is not a call, nor <|python_start|>[g(1)]<|python_end|>"),
        (.pythonic, "[f(a=1)]\nDone."),
    ]

    @Test("whole, a character at a time, or in uneven pieces, the stream adds up to the whole-text parse", arguments: 0..<cases.count)
    func matchesParser(index: Int) {
        let (kind, text) = Self.cases[index]
        let tools = Self.tools(kind)
        let parsed = tools.calls(in: text)
        let expected = Assembled(content: parsed.content ?? "", calls: parsed.calls.map { ($0.name, $0.arguments) })
        for pieces in [[text.count], [1], [3, 1, 7, 2], [5, 11]] {
            let events = ToolCallStreamerTests.stream(text, in: pieces, tools: tools)
            #expect(ToolCallStreamerTests.assemble(events) == expected, "\(kind) \(text) in \(pieces)")
        }
    }

    @Test("the cases exercise calls and content in every format, so that agreement is not vacuous")
    func casesHaveCalls() {
        for kind in [ToolCallParserKind.llama3JSON, .mistral, .pythonic] {
            let parsed = Self.cases.filter { $0.0 == kind }.map { Self.tools(kind).calls(in: $0.1) }
            #expect(parsed.contains { $0.calls.count >= 2 }, "\(kind)")
            #expect(parsed.contains { $0.calls.isEmpty && $0.content != nil }, "\(kind)")
            #expect(parsed.contains { !$0.calls.isEmpty && $0.content != nil }, "\(kind)")
        }
    }

    @Test("mistral: content goes out up to the marker, the call opens with its name, its arguments stream as written")
    func mistralIncremental() {
        var streamer = ToolCallStreamer(tools: Self.tools(.mistral))
        #expect(streamer.feed("Sure.[TOOL") == [.content("Sure.")])
        #expect(streamer.feed("_CALLS]get_wea").isEmpty)
        #expect(streamer.feed("ther[ARGS]{\"ci") == [.callStart(index: 0, name: "get_weather"), .arguments(index: 0, "{\"ci")])
        #expect(streamer.feed("ty\": \"Oslo\"}") == [.arguments(index: 0, "ty\": \"Oslo\"}")])
        #expect(streamer.finish().isEmpty)
        #expect(streamer.numCalls == 1)
    }

    @Test("llama3_json: a marker split across pieces is held, then each call of the ; list opens in turn")
    func llamaIncremental() {
        var streamer = ToolCallStreamer(tools: Self.tools(.llama3JSON))
        #expect(streamer.feed("<|python_").isEmpty)
        #expect(streamer.feed("tag|>{\"name\": \"f\", \"parameters\": {\"a\"") == [.callStart(index: 0, name: "f"), .arguments(index: 0, "{\"a\"")])
        #expect(streamer.feed(": 1}}; {\"name\": \"g\", \"parameters\": {}}") == [
            .arguments(index: 0, ": 1}"), .callStart(index: 1, name: "g"), .arguments(index: 1, "{}"),
        ])
        #expect(streamer.finish().isEmpty)
        #expect(streamer.numCalls == 2)
    }

    @Test("pythonic: each argument goes out as JSON once its value is whole")
    func pythonicIncremental() {
        var streamer = ToolCallStreamer(tools: Self.tools(.pythonic))
        #expect(streamer.feed("[get_weather(").isEmpty)
        #expect(streamer.feed("city='Par").isEmpty)
        #expect(streamer.feed("is', ") == [.callStart(index: 0, name: "get_weather"), .arguments(index: 0, #"{"city":"Paris""#)])
        #expect(streamer.feed("days=3)]") == [.arguments(index: 0, #","days":3}"#)])
        #expect(streamer.finish().isEmpty)
    }

    @Test("text that might open a marker is held only while it might, and an unknown function streams as content")
    func holdingAndNames() {
        var streamer = ToolCallStreamer(tools: Self.tools(.llama3JSON))
        #expect(streamer.feed("a <|py") == [.content("a")])
        #expect(streamer.feed("thon is fun") == [.content(" <|python is fun")])
        #expect(streamer.finish().isEmpty)
        let known = Self.tools(.mistral, names: ["get_weather"])
        let text = "[TOOL_CALLS]Buddy[ARGS]{\"age\": 3}"
        for pieces in [[1], [4, 7], [text.count]] {
            #expect(ToolCallStreamerTests.assemble(ToolCallStreamerTests.stream(text, in: pieces, tools: known)) == Assembled(content: text))
        }
    }

    @Test("tool_choice required and a named function are plain JSON whatever the format")
    func forcedChoices() {
        let array = #"[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {}}]"#
        for kind in ToolCallParserKind.allCases {
            let required = Self.tools(kind, choice: .required)
            #expect(required.calls(in: array).calls == [.init(name: "a", arguments: #"{"x":1}"#), .init(name: "b", arguments: "{}")], "\(kind)")
            let streamed = ToolCallStreamerTests.assemble(ToolCallStreamerTests.stream(array, in: [3], tools: required))
            #expect(streamed.calls.map(\.name) == ["a", "b"], "\(kind)")
            let named = Self.tools(kind, choice: .function("get_weather"), names: ["get_weather"])
            #expect(named.calls(in: #"{"name": "get_weather", "arguments": {"city": "Oslo"}}"#).calls
                    == [.init(name: "get_weather", arguments: #"{"city":"Oslo"}"#)], "\(kind)")
        }
    }

    /// Pieces random answers are made of: each format's markers and whole calls, and the characters that
    /// break them.
    static let fragments: [ToolCallParserKind: [String]] = [
        .llama3JSON: ["<|python_tag|>", "<|python", #"{"name": "f", "parameters": {"a": 1}}"#, #"{"name": "g", "arguments": {}}"#,
                      "; ", ";", #""name""#, #""parameters""#, #"{"x": [1, {"y": "}"}]}"#],
        .mistral: ["[TOOL_CALLS]", "[TOOL", "[ARGS]", "[CALL_ID]", "abc123def", "get_weather", #"{"city": "Oslo"}"#,
                   #"[{"name": "f", "arguments": {"a": 1}}]"#, "[TOOL_CALLS]f[ARGS]{}", "[OOPS]"],
        .pythonic: ["<|tool_call_start|>", "<|tool_call_end|>", "<|python_start|>", "[f(a=1)]", "[get_weather(city='Paris'), g()]",
                    "f(", "a=", "'s'", "\"q\"", "None", "[1, 2]", "{'k': (1, 2)}"],
    ]
    static let common = [" ", "\n", "text", "é漢🙂", "{", "}", "[", "]", "(", ")", ",", ":", "=", "\"", "'", "\\", "1", "-2.5", "true"]

    @Test("on random answers, however the text is cut the events are the same, and they agree with the whole-text parse",
          arguments: [ToolCallParserKind.llama3JSON, .mistral, .pythonic])
    func randomAnswers(kind: ToolCallParserKind) {
        var random = SeededGenerator(seed: 13)
        let alphabet = Self.fragments[kind, default: []] + Self.common
        let tools = Self.tools(kind)
        var numWithCalls = 0
        for _ in 0..<300 {
            let text = (0..<Int.random(in: 1...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
            let whole = ToolCallStreamerTests.assemble(ToolCallStreamerTests.stream(text, in: [text.count], tools: tools))
            for pieces in [[1], [3, 1, 7, 2]] {
                let cut = ToolCallStreamerTests.assemble(ToolCallStreamerTests.stream(text, in: pieces, tools: tools))
                #expect(cut == whole, "\(kind) \(text) in \(pieces)")
            }
            let parsed = tools.calls(in: text)
            if !parsed.calls.isEmpty {
                numWithCalls += 1
                #expect(whole == Assembled(content: parsed.content ?? "", calls: parsed.calls.map { ($0.name, $0.arguments) }), "\(kind) \(text)")
            } else if whole.calls.isEmpty {
                #expect(whole.content == parsed.content ?? "", "\(kind) \(text)")
            } else {
                // Calls the stream sent that do not hold up as whole: the whole answer is content.
                #expect(parsed.content == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(kind) \(text)")
            }
        }
        #expect(numWithCalls > 20, "\(kind): the random answers hold calls")
    }
}
