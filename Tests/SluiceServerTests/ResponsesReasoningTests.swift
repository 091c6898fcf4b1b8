import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

/// The thought as a `reasoning` output item, without I/O: its events, its JSON, and reasoning input items.
@Suite("Responses reasoning items: the thought before the answer, given back and dropped")
struct ResponsesReasoningItemTests {
    static func names(_ events: [ResponseStreamEvent]) -> [String] {
        events.map { event in
            switch event {
            case .outputItemAdded(let item, let index):
                switch item {
                case .reasoning(let thought): return "added \(index) reasoning \(thought.text ?? "nil")"
                case .message: return "added \(index) message"
                case .functionCall(let call): return "added \(index) call \(call.name)"
                }
            case .reasoningTextDelta(_, let index, let delta): return "thought \(index) \(delta)"
            case .reasoningTextDone(_, let index, let text): return "thought done \(index) \(text)"
            case .outputTextDelta(_, let index, let delta): return "text \(index) \(delta)"
            case .outputItemDone(let item, let index): return "done \(index) \(item.id.prefix(3))"
            default: return event.type
            }
        }
    }

    @Test("a thought opens the reasoning item, its deltas fill it, and the answer's first text closes it before the message")
    func thoughtThenMessage() {
        var items = ResponseOutputSequence(messageID: "msg_1")
        var events = items.reasoningEvents("") + items.reasoningEvents("hm") + items.reasoningEvents(" ok")
        events += items.events(for: .content("Four.")) + items.finish(status: "completed")
        #expect(Self.names(events) == [
            "added 0 reasoning nil", "thought 0 hm", "thought 0  ok", "thought done 0 hm ok", "done 0 rs_",
            "added 1 message", "response.content_part.added", "text 1 Four.", "response.output_text.done",
            "response.content_part.done", "done 1 msg",
        ])
        guard case .reasoning(let thought)? = items.closed.first else {
            Issue.record("the thought is the first item")
            return
        }
        #expect(thought.text == "hm ok" && thought.status == "completed")
    }

    @Test("a call after the thought closes it too; a thought cut off stands alone, incomplete, with no empty message")
    func thoughtThenCallOrNothing() {
        var call = ResponseOutputSequence(messageID: "msg_1")
        let events = call.reasoningEvents("x") + call.events(for: .callStart(index: 0, name: "f")) + call.finish(status: "completed")
        #expect(Self.names(events).prefix(4) == ["added 0 reasoning nil", "thought 0 x", "thought done 0 x", "done 0 rs_"])
        #expect(Self.names(events)[4] == "added 1 call f")

        var cut = ResponseOutputSequence(messageID: "msg_2")
        #expect(Self.names(cut.reasoningEvents("x") + cut.finish(status: "incomplete")) == [
            "added 0 reasoning nil", "thought 0 x", "thought done 0 x", "done 0 rs_",
        ])
        var failed = ResponseOutputSequence(messageID: "msg_3")
        _ = failed.reasoningEvents("y")
        guard case .reasoning(let open)? = failed.items(openStatus: "incomplete").first else {
            Issue.record("an open thought is among the items of a failed response")
            return
        }
        #expect(open.text == "y" && open.status == "incomplete")
    }

    @Test("the item and its events are in OpenAI's shape: rs_ id, empty summary, one reasoning_text part")
    func encoding() throws {
        let thought = ResponseReasoningItem(status: "completed", text: "hm")
        let json = try JSONValue(JSONBody.encode(ResponseOutputItem.reasoning(thought)))
        #expect(json["type"] == .string("reasoning"))
        #expect(json["id"]?.string?.hasPrefix("rs_") == true)
        #expect(json["summary"] == .array([]))
        #expect(json["content"] == .array([.object(["type": .string("reasoning_text"), "text": .string("hm")])]))
        #expect(json["status"] == .string("completed"))
        let opened = try JSONValue(JSONBody.encode(ResponseOutputItem.reasoning(ResponseReasoningItem(status: "in_progress", text: nil))))
        #expect(opened["content"] == .array([]))

        let delta = try ResponseStreamEvent.reasoningTextDelta(itemID: "rs_1", outputIndex: 0, delta: "h")
            .serverSentEvent(sequenceNumber: 3)
        let text = String(buffer: delta)
        #expect(text.hasPrefix("event: response.reasoning_text.delta\ndata: "))
        let data = try JSONValue(ByteBuffer(string: String(text.split(separator: "\n")[1].dropFirst("data: ".count))))
        #expect(data["item_id"] == .string("rs_1") && data["content_index"] == .number(0) && data["delta"] == .string("h"))
        #expect(data["sequence_number"] == .number(3))
    }

    @Test("reasoning input items are accepted and left out of the conversation, wherever they stand")
    func reasoningInputDropped() throws {
        let thought = #"{"type": "reasoning", "id": "rs_1", "summary": [], "content": [{"type": "reasoning_text", "text": "hm"}]}"#
        let with = try ResponsesRequest.decode(from: ByteBuffer(string: #"{"input": [{"role": "user", "content": "Hi"}, \#(thought), {"role": "assistant", "content": "Hello"}, {"type": "reasoning", "summary": [{"type": "summary_text", "text": "s"}], "encrypted_content": "x"}, {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}, {"type": "function_call_output", "call_id": "c1", "output": "1"}]}"#))
        let without = try ResponsesRequest.decode(from: ByteBuffer(string: #"{"input": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}, {"type": "function_call_output", "call_id": "c1", "output": "1"}]}"#))
        #expect(with.conversation.map(\.role) == ["user", "assistant", "tool"])
        #expect(with.conversation.map(\.content) == without.conversation.map(\.content))
        #expect(with.conversation.map(\.toolCallsJSON) == without.conversation.map(\.toolCallsJSON))
    }
}

extension ServerModelTests {
/// The Responses API under `--reasoning-parser deepseek_r1`. A few-shot conversation has SmolLM2 answer, greedily,
/// `ok</think>{"n": 4}`: a thought, the end marker and an answer, all its own.
@Suite("POST /v1/responses with a reasoning parser: a reasoning item before the message")
struct ResponsesReasoningTests {
    static let turn = #"{"role": "user", "content": "Count."}"#
    static func answer(_ n: Int) -> String { #"{"role": "assistant", "content": "ok</think>{\"n\": \#(n)}"}"# }
    static let givenBack = #"{"type": "reasoning", "id": "rs_0", "summary": [], "content": [{"type": "reasoning_text", "text": "ok"}]}"#
    static let fewShot = [turn, answer(1), turn, answer(2), turn, answer(3), turn].joined(separator: ", ")
    static let withThoughts = [turn, givenBack, answer(1), turn, givenBack, answer(2), turn, givenBack, answer(3), turn]
        .joined(separator: ", ")
    static let format = #""text": {"format": {"type": "json_schema", "name": "count", "schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": false}}}"#

    static func body(_ input: String, _ extra: String = "") -> String {
        #"{"input": [\#(input)], "max_output_tokens": 24, "temperature": 0\#(extra)}"#
    }

    @Test("the thought is a reasoning item, the answer after it a message in the schema; reasoning input items change nothing")
    func wholeResponse() async throws {
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            let response = try await client.post("/v1/responses", Self.body(Self.withThoughts, ", " + Self.format))
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            #expect(json["status"] == .string("completed"), "\(json)")
            let output = try #require(json["output"]?.array)
            #expect(output.map { $0["type"] } == [.string("reasoning"), .string("message")], "\(output)")
            #expect(output.first?["id"]?.string?.hasPrefix("rs_") == true)
            #expect(output.first?["summary"] == .array([]))
            #expect(output.first?["content"]?[0]?["type"] == .string("reasoning_text"))
            #expect(output.first?["content"]?[0]?["text"] == .string("ok"))
            let answer = try #require(output.last?["content"]?[0]?["text"]?.string)
            #expect(ReasoningGrammarTests.isInteger(ReasoningGrammarTests.object(answer)?["n"]), "\(answer)")

            let plain = try await client.post("/v1/responses", Self.body(Self.fewShot, ", " + Self.format)).json
            #expect(plain["usage"]?["input_tokens"] == json["usage"]?["input_tokens"], "the given-back thoughts are not in the prompt")
            #expect(plain["output"]?[1]?["content"]?[0]?["text"] == .string(answer))
        }
    }

    @Test("streamed: the reasoning item's added, reasoning_text deltas, done, then the message's events")
    func streamed() async throws {
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            let whole = try await client.post("/v1/responses", Self.body(Self.fewShot)).json
            let events = try await client.post("/v1/responses", Self.body(Self.fewShot, #", "stream": true"#)).namedEvents
            #expect(events.compactMap { $0.data["sequence_number"]?.int } == Array(0..<events.count))
            let names = events.map(\.name).filter { !$0.hasSuffix(".delta") }
            #expect(names == ["response.created", "response.in_progress", "response.output_item.added",
                              "response.reasoning_text.done", "response.output_item.done", "response.output_item.added",
                              "response.content_part.added", "response.output_text.done", "response.content_part.done",
                              "response.output_item.done", "response.completed"], "\(names)")
            #expect(events[2].data["item"]?["type"] == .string("reasoning"))
            #expect(events[2].data["item"]?["content"] == .array([]))
            let thought = events.filter { $0.name == "response.reasoning_text.delta" }.compactMap { $0.data["delta"]?.string }
            #expect(thought.joined() == whole["output"]?[0]?["content"]?[0]?["text"]?.string)
            let text = events.filter { $0.name == "response.output_text.delta" }.compactMap { $0.data["delta"]?.string }
            #expect(.string(text.joined()) == whole["output"]?[1]?["content"]?[0]?["text"])
            let final = try #require(events.last?.data["response"])
            #expect(final["output"]?[0]?["type"] == .string("reasoning"))
            #expect(final["output"]?[0]?["id"] == events[2].data["item"]?["id"])
            #expect(final["output"]?[1]?["type"] == .string("message"))
        }
    }

    @Test("max_output_tokens inside the thought: incomplete, the reasoning item alone, whole and streamed")
    func cutOff() async throws {
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            let body = #"{"input": "What is two plus two?", "max_output_tokens": 5, "temperature": 0, "text": {"format": {"type": "json_object"}}"#
            let json = try await client.post("/v1/responses", body + "}").json
            #expect(json["status"] == .string("incomplete"))
            let output = try #require(json["output"]?.array)
            #expect(output.count == 1 && output.first?["type"] == .string("reasoning"), "\(output)")
            #expect(output.first?["status"] == .string("incomplete"))
            let events = try await client.post("/v1/responses", body + #", "stream": true}"#).namedEvents
            #expect(events.last?.name == "response.incomplete")
            #expect(!events.contains { $0.name.hasPrefix("response.output_text") })
            let thought = events.filter { $0.name == "response.reasoning_text.delta" }.compactMap { $0.data["delta"]?.string }
            #expect(.string(thought.joined()) == output.first?["content"]?[0]?["text"])
        }
    }
}
}
