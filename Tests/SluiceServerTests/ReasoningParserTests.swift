import Testing
@testable import SluiceServer

@Suite("Reasoning parsers: the thought split from the answer, whole or streamed")
struct ReasoningParserTests {
    static let opening = ReasoningParser(startsInThought: false)
    static let openInPrompt = ReasoningParser(startsInThought: true)

    /// Texts a thinking model writes, and the edges of the tags: tags cut short, repeated, empty thoughts,
    /// text before the tag, several scalars per character.
    static let texts = [
        "<think>\nThe user wants 2 + 2.\n</think>\n\nThe answer is 4.",
        "  \n<think>short</think>answer",
        "<think></think>",
        "<think>",
        "<thi",
        "<think>cut off by max_tokens",
        "<think>a</thi",
        "<think>a </think> b </think> c",
        "No thought at all.",
        "Before <think>inside</think> after",
        "thought with no opening tag</think>\n\nanswer",
        "</think>",
        "",
        "   ",
        "<think>é 漢字 🙂 e\u{301} 👍🏽</think>🙂 <think> again",
        "<<think>>x</think>",
        "<think>a < b and </ c </th </think",
        "\n\n<think>\n\n</think>\n\n{\"a\": 1}",
    ]

    /// The events added up: the thought and the answer, nil when empty, as the whole-text parser returns them.
    static func assemble(_ events: [ReasoningStreamer.Event]) -> ParsedReasoning {
        var reasoning = ""
        var content = ""
        for event in events {
            switch event {
            case .reasoning(let text):
                #expect(!text.isEmpty, "no empty events")
                reasoning += text
            case .content(let text):
                #expect(!text.isEmpty, "no empty events")
                content += text
            }
        }
        return ParsedReasoning(reasoning: reasoning.isEmpty ? nil : reasoning, content: content.isEmpty ? nil : content)
    }

    /// `text` fed in pieces of the given sizes (in Unicode scalars, so tags and characters are cut anywhere).
    static func stream(_ text: String, in pieces: [Int], parser: ReasoningParser) -> [ReasoningStreamer.Event] {
        var streamer = ReasoningStreamer(parser: parser)
        var events: [ReasoningStreamer.Event] = []
        var rest = Substring(text).unicodeScalars[...]
        var index = 0
        while !rest.isEmpty {
            let size = max(1, pieces[index % pieces.count])
            events += streamer.feed(String(Substring(rest.prefix(size))))
            rest = rest.dropFirst(size)
            index += 1
        }
        return events + streamer.finish()
    }

    @Test("whole, a scalar at a time, or in uneven pieces, the stream adds up to what the parser reads", arguments: texts)
    func streamMatchesParser(text: String) {
        for parser in [Self.opening, Self.openInPrompt] {
            let expected = parser.parse(text)
            for pieces in [[text.unicodeScalars.count], [1], [2], [3, 1, 7, 2], [5, 11], [6, 1]] {
                #expect(Self.assemble(Self.stream(text, in: pieces, parser: parser)) == expected,
                        "pieces \(pieces), starts in thought: \(parser.startsInThought)")
            }
        }
    }

    @Test("every cut of a text into two pieces adds up to the whole-text parse", arguments: texts)
    func everyCut(text: String) {
        let scalars = Array(text.unicodeScalars)
        for parser in [Self.opening, Self.openInPrompt] {
            let expected = parser.parse(text)
            for cut in 0...scalars.count {
                var streamer = ReasoningStreamer(parser: parser)
                let first = String(String.UnicodeScalarView(scalars[..<cut]))
                let second = String(String.UnicodeScalarView(scalars[cut...]))
                let events = streamer.feed(first) + streamer.feed(second) + streamer.finish()
                #expect(Self.assemble(events) == expected, "cut at \(cut)")
            }
        }
    }

    @Test("a thought in tags goes to reasoning and what follows </think> to content, as vLLM's parsers split it")
    func splits() {
        let parsed = Self.opening.parse("<think>\nLet me add.\n</think>\n\nIt is 4.")
        #expect(parsed == ParsedReasoning(reasoning: "\nLet me add.\n", content: "\n\nIt is 4."))
        #expect(Self.openInPrompt.parse("Let me add.</think>It is 4.") == ParsedReasoning(reasoning: "Let me add.", content: "It is 4."))
    }

    @Test("without a closing tag the whole output is the thought: max_tokens cut it off")
    func cutOff() {
        #expect(Self.opening.parse("<think>still thinking") == ParsedReasoning(reasoning: "still thinking", content: nil))
        #expect(Self.openInPrompt.parse("still thinking") == ParsedReasoning(reasoning: "still thinking", content: nil))
    }

    @Test("an answer that does not open with <think> is content when the prompt left no thought open")
    func plainAnswer() {
        #expect(Self.opening.parse("Paris.") == ParsedReasoning(reasoning: nil, content: "Paris."))
        // Only an opening tag counts: a tag later in the text is the answer's own text.
        #expect(Self.opening.parse("Use <think>x</think> tags.") == ParsedReasoning(reasoning: nil, content: "Use <think>x</think> tags."))
        #expect(Self.opening.parse("") == ParsedReasoning(reasoning: nil, content: nil))
    }

    @Test("qwen3 starts in a thought only when the prompt leaves <think> open and thinking is on; deepseek_r1 always")
    func perRequest() {
        let open = "<|im_start|>assistant\n<think>\n"
        let closed = "<|im_start|>assistant\n<think>\n\n</think>\n\n"
        let plain = "<|im_start|>assistant\n"
        #expect(ReasoningParser(kind: .qwen3, promptText: open, thinkingEnabled: true).startsInThought)
        #expect(!ReasoningParser(kind: .qwen3, promptText: open, thinkingEnabled: false).startsInThought)
        #expect(!ReasoningParser(kind: .qwen3, promptText: closed, thinkingEnabled: true).startsInThought)
        #expect(!ReasoningParser(kind: .qwen3, promptText: plain, thinkingEnabled: true).startsInThought)
        #expect(ReasoningParser(kind: .deepseekR1, promptText: plain, thinkingEnabled: true).startsInThought)
        #expect(ReasoningParser(kind: .deepseekR1, promptText: closed, thinkingEnabled: false).startsInThought)
        // Outside a thought, qwen3 may open one itself, unless the template closed one or thinking is off.
        #expect(ReasoningParser(kind: .qwen3, promptText: plain, thinkingEnabled: true).mayOpenThought)
        #expect(!ReasoningParser(kind: .qwen3, promptText: plain, thinkingEnabled: false).mayOpenThought)
        #expect(!ReasoningParser(kind: .qwen3, promptText: closed, thinkingEnabled: true).mayOpenThought)
        #expect(!ReasoningParser(kind: .qwen3, promptText: open, thinkingEnabled: true).mayOpenThought)
        #expect(!ReasoningParser(kind: .deepseekR1, promptText: plain, thinkingEnabled: true).mayOpenThought)
    }

    @Test("text is sent as soon as it cannot be a tag: only a possible tag's start is held")
    func holdsOnlyTags() {
        var streamer = ReasoningStreamer(parser: Self.opening)
        #expect(streamer.feed("  <th").isEmpty)
        #expect(streamer.feed("ink>abc</th") == [.reasoning("abc")])
        #expect(streamer.feed("inking") == [.reasoning("</thinking")])
        #expect(streamer.feed("</think>\n") == [.content("\n")])
        #expect(streamer.feed("ok") == [.content("ok")])
        var plain = ReasoningStreamer(parser: Self.opening)
        #expect(plain.feed("Hi") == [.content("Hi")])
    }
}
