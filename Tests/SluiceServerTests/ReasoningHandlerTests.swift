import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
/// SmolLM2 does not think, so these tests make it write a thought: a regex constraint holds its output to
/// `<think>…</think>` and an answer (greedy, so the same text every run), or a template opens `<think>` in
/// the prompt. Where the output starts inside a thought, a grammar would wait for `</think>`
/// (``ReasoningGrammarTests``), so those tests let structured outputs constrain the thought too. The same request without a reasoning parser gives the whole text the split must add up to.
@Suite("Reasoning parsers through the API: the thought in reasoning_content, the answer in content")
struct ReasoningHandlerTests {
    static let question = #"[{"role": "user", "content": "What is two plus two?"}]"#
    static let thinkingRegex = #"<think>[a-z ]{3,24}</think>\\n[A-Z][a-z ]{2,24}\\."#

    /// Qwen3's later templates: `<think>` opened in the generation prompt, or closed at once without thinking.
    static let openingTemplate = """
        {% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}\
        {% if add_generation_prompt %}<|im_start|>assistant\n{% if enable_thinking is defined and not enable_thinking %}\
        <think>\n\n</think>\n\n{% else %}<think>\n{% endif %}{% endif %}
        """

    static func openingRenderer() throws -> JinjaChatRenderer {
        try JinjaChatRenderer(source: openingTemplate, bosToken: "", eosToken: "<|im_end|>")
    }

    static func chatBody(_ extra: String) -> String {
        #"{"messages": \#(question), "max_tokens": 80, "temperature": 0, "# + extra + "}"
    }

    @Test("qwen3: a thought in tags goes to reasoning_content and reasoning, the rest to content; both add up to the plain text")
    func splitsWholeAnswer() async throws {
        let body = Self.chatBody(#""structured_outputs": {"regex": "\#(Self.thinkingRegex)"}"#)
        let plain = try await ServerFixture.withServer { client, _ in
            try await client.post("/v1/chat/completions", body).json["choices"]?[0]?["message"]?["content"]?.string
        }
        let text = try #require(plain)
        #expect(text.hasPrefix("<think>") && text.contains("</think>\n"), "\(text)")
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .qwen3 }) { client, _ in
            let response = try await client.post("/v1/chat/completions", body)
            #expect(response.status == .ok, "\(response.text)")
            let message = try #require(try response.json["choices"]?[0]?["message"])
            let reasoning = try #require(message["reasoning_content"]?.string)
            let content = try #require(message["content"]?.string)
            #expect(message["reasoning"]?.string == reasoning)
            #expect("<think>" + reasoning + "</think>" + content == text)
            #expect(content.hasPrefix("\n"))

            let streamed = try await client.post("/v1/chat/completions", Self.chatBody(
                #""stream": true, "structured_outputs": {"regex": "\#(Self.thinkingRegex)"}"#))
            let deltas = try streamed.chunks.compactMap { $0["choices"]?[0]?["delta"] }
            #expect(deltas.compactMap { $0["reasoning_content"]?.string }.joined() == reasoning)
            #expect(deltas.compactMap { $0["reasoning"]?.string }.joined() == reasoning)
            #expect(deltas.compactMap { $0["content"]?.string }.joined() == content)
            // Thought first, answer after: no reasoning delta follows the first content text.
            let firstContent = try #require(deltas.firstIndex { !($0["content"]?.string ?? "").isEmpty })
            #expect(deltas[firstContent...].dropFirst().allSatisfy { $0["reasoning_content"] == nil })
        }
    }

    @Test("deepseek_r1: the thought starts without a tag, only </think> is written; qwen3 leaves such text whole")
    func closingTagOnly() async throws {
        let body = Self.chatBody(#""structured_outputs": {"regex": "[a-z ]{3,24}</think>[A-Z][a-z ]{2,24}\\."}"#)
        try await ServerFixture.withServer(configure: {
            $0.reasoningParser = .deepseekR1
            $0.structuredOutputsInReasoning = true
        }) { client, _ in
            let message = try #require(try await client.post("/v1/chat/completions", body).json["choices"]?[0]?["message"])
            let reasoning = try #require(message["reasoning_content"]?.string)
            #expect(!reasoning.contains("<"))
            #expect(message["content"]?.string?.first?.isUppercase == true, "\(message)")
        }
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .qwen3 }) { client, _ in
            let message = try #require(try await client.post("/v1/chat/completions", body).json["choices"]?[0]?["message"])
            #expect(message["reasoning_content"] == nil)
            #expect(message["content"]?.string?.contains("</think>") == true)
        }
    }

    @Test("qwen3 with <think> opened by the template: the answer is a thought until </think>; enable_thinking false makes it content")
    func templateOpensThought() async throws {
        let renderer = try Self.openingRenderer()
        try await ServerFixture.withServer(configure: {
            $0.reasoningParser = .qwen3
            $0.structuredOutputsInReasoning = true
        }, renderer: renderer) { client, _ in
            let body = Self.chatBody(#""structured_outputs": {"regex": "[a-z ]{3,24}</think>\\n[A-Z][a-z ]{2,24}\\."}"#)
            let thinking = try #require(try await client.post("/v1/chat/completions", body).json["choices"]?[0]?["message"])
            #expect(thinking["reasoning_content"]?.string?.isEmpty == false, "\(thinking)")
            #expect(thinking["content"]?.string?.hasPrefix("\n") == true, "\(thinking)")
            let off = try #require(try await client.post("/v1/chat/completions", Self.chatBody(
                #""chat_template_kwargs": {"enable_thinking": false}, "structured_outputs": {"regex": "[A-Z][a-z ]{2,24}\\."}"#
            )).json["choices"]?[0]?["message"])
            #expect(off["reasoning_content"] == nil, "\(off)")
            #expect(off["content"]?.string?.isEmpty == false)
        }
    }

    @Test("a thought cut off by max_tokens is all reasoning, with content null")
    func cutOff() async throws {
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }) { client, _ in
            let json = try await client.post("/v1/chat/completions",
                                             #"{"messages": \#(Self.question), "max_tokens": 5, "temperature": 0}"#).json
            let choice = try #require(json["choices"]?[0])
            #expect(choice["finish_reason"] == .string("length"))
            #expect(choice["message"]?["content"] == .null)
            #expect(choice["message"]?["reasoning_content"]?.string?.isEmpty == false)
        }
    }

    @Test("tool calls are read from the answer only: a call written inside the thought is no call")
    func toolCallsAfterThought() async throws {
        let tools = #"[{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}]"#
        let call = #"<tool_call>\\n\\{\"name\": \"get_time\", \"arguments\": \\{\\}\\}\\n</tool_call>"#
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .qwen3 }) { client, _ in
            let after = try await client.post("/v1/chat/completions", Self.chatBody(
                #""tools": \#(tools), "structured_outputs": {"regex": "<think>[a-z ]{3,12}</think>\\n\#(call)"}"#)).json
            let choice = try #require(after["choices"]?[0])
            #expect(choice["finish_reason"] == .string("tool_calls"), "\(choice)")
            #expect(choice["message"]?["tool_calls"]?[0]?["function"]?["name"] == .string("get_time"))
            #expect(choice["message"]?["reasoning_content"]?.string?.isEmpty == false)

            let inside = try await client.post("/v1/chat/completions", Self.chatBody(
                #""tools": \#(tools), "structured_outputs": {"regex": "<think>\#(call)</think>\\nNo\\."}"#)).json
            let message = try #require(inside["choices"]?[0]?["message"])
            #expect(message["tool_calls"] == nil, "\(message)")
            #expect(message["reasoning_content"]?.string?.contains("get_time") == true)
            #expect(message["content"] == .string("\nNo."))

            let streamed = try await client.post("/v1/chat/completions", Self.chatBody(
                #""stream": true, "tools": \#(tools), "structured_outputs": {"regex": "<think>[a-z ]{3,12}</think>\\n\#(call)"}"#))
            let choices = try streamed.chunks.compactMap { $0["choices"]?[0] }
            #expect(choices.contains { $0["delta"]?["tool_calls"]?[0]?["function"]?["name"] == .string("get_time") })
            let thought = choices.compactMap { $0["delta"]?["reasoning_content"]?.string }.joined()
            #expect(!thought.isEmpty)
            #expect(choices.last?["finish_reason"] == .string("tool_calls"))
        }
    }

    @Test("/v1/messages: the thought is a thinking block, streamed as thinking_delta; thinking enabled needs a parser")
    func anthropicThinking() async throws {
        let body = #"{"messages": \#(Self.question), "max_tokens": 8, "temperature": 0"#
        let renderer = try Self.openingRenderer()
        let plain = try await ServerFixture.withServer(renderer: renderer) { client, _ in
            let refused = try await client.post("/v1/messages", body + #", "thinking": {"type": "enabled", "budget_tokens": 1024}}"#)
            #expect(refused.status == .badRequest)
            #expect(try refused.json["error"]?["message"]?.string?.contains("--reasoning-parser") == true)
            return try await client.post("/v1/messages", body + "}").json["content"]?[0]?["text"]?.string
        }
        let text = try #require(plain)
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .deepseekR1 }, renderer: renderer) { client, _ in
            let json = try await client.post("/v1/messages", body + #", "thinking": {"type": "enabled", "budget_tokens": 1024}}"#).json
            let blocks = try #require(json["content"]?.array)
            #expect(blocks.count == 1, "cut off by max_tokens: a thinking block alone")
            #expect(blocks.first?["type"] == .string("thinking"))
            #expect(blocks.first?["thinking"]?.string == text)
            #expect(blocks.first?["signature"] == .string(""))

            let events = try await client.post("/v1/messages", body + #", "stream": true}"#).namedEvents
            #expect(events.map(\.name).prefix(3) == ["message_start", "content_block_start", "ping"])
            #expect(events[1].data["content_block"]?["type"] == .string("thinking"))
            let thought = events.compactMap { $0.data["delta"]?["type"] == .string("thinking_delta") ? $0.data["delta"]?["thinking"]?.string : nil }
            #expect(thought.joined() == text)
            #expect(!events.contains { $0.data["delta"]?["type"] == .string("text_delta") })
        }
        try await ServerFixture.withServer(configure: { $0.reasoningParser = .qwen3 }, renderer: renderer) { client, _ in
            let json = try await client.post("/v1/messages", body + #", "thinking": {"type": "disabled"}}"#).json
            #expect(json["content"]?.array?.map { $0["type"] } == [.string("text")], "\(json)")
        }
    }
}
}

@Suite("Anthropic content blocks opened as thought and answer arrive")
struct MessagesBlockSequenceTests {
    static func names(_ events: [MessagesStreamEvent]) -> [String] {
        events.map { event in
            switch event {
            case .contentBlockStart(let index, let thinking): return "start \(index) \(thinking ? "thinking" : "text")"
            case .thinkingDelta(let index, let text): return "thinking \(index) \(text)"
            case .textDelta(let index, let text): return "text \(index) \(text)"
            case .contentBlockStop(let index): return "stop \(index)"
            default: return event.type
            }
        }
    }

    @Test("a thought then an answer: the thinking block at 0, ping after it, then the text block at 1")
    func thoughtThenAnswer() {
        var blocks = MessagesJob.BlockSequence()
        var events = blocks.events(for: .reasoning("hm")) + blocks.events(for: .reasoning(" ok"))
        events += blocks.events(for: .content("Four.")) + blocks.finish()
        #expect(Self.names(events) == ["start 0 thinking", "ping", "thinking 0 hm", "thinking 0  ok", "stop 0",
                                       "start 1 text", "text 1 Four.", "stop 1"])
    }

    @Test("nothing written still gives an empty text block; a thought alone ends without one")
    func emptyAndCutOff() {
        var empty = MessagesJob.BlockSequence()
        #expect(Self.names(empty.finish()) == ["start 0 text", "ping", "stop 0"])
        var thought = MessagesJob.BlockSequence()
        #expect(Self.names(thought.events(for: .reasoning("x")) + thought.finish()) == ["start 0 thinking", "ping", "thinking 0 x", "stop 0"])
    }
}
