/// Splits one choice's text into thought and answer as it is generated, so a stream sends
/// `delta.reasoning_content` while the model thinks and `delta.content` after, as vLLM streams them.
///
/// Text is sent as soon as it cannot be part of a tag: while the output may still open with `<think>` (only
/// whitespace and a prefix of the tag so far), and while a thought's end could be the start of `</think>`, it
/// is held. The pieces add up to what ``ReasoningParser/parse(_:)`` returns for the whole text, however the
/// text is cut.
struct ReasoningStreamer {
    enum Event: Equatable {
        case reasoning(String)
        case content(String)
    }

    private enum Mode {
        /// Nothing but whitespace and a prefix of `<think>` yet.
        case opening
        case thought
        case answer
    }

    private let parser: ReasoningParser
    private var mode = Mode.opening
    private var held = ""

    init(parser: ReasoningParser) {
        self.parser = parser
    }

    /// The events `text`, the next piece of the choice, makes.
    mutating func feed(_ text: String) -> [Event] {
        held += text
        var events: [Event] = []
        process(&events, ending: false)
        return events
    }

    /// The events that end the choice: what was held goes out.
    mutating func finish() -> [Event] {
        var events: [Event] = []
        process(&events, ending: true)
        return events
    }

    private mutating func process(_ events: inout [Event], ending: Bool) {
        while true {
            switch mode {
            case .opening:
                let scalars = Substring(held).unicodeScalars
                if let afterTag = ReasoningParser.afterOpeningTag(scalars) {
                    held = String(Substring(afterTag))
                    mode = .thought
                    continue
                }
                let start = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
                if !ending && ReasoningParser.openTag.unicodeScalars.starts(with: scalars[start...]) { return }
                mode = parser.startsInThought ? .thought : .answer
            case .thought:
                let scalars = Substring(held).unicodeScalars
                let tag = ReasoningParser.closeTag.unicodeScalars
                if let close = scalars.firstRange(of: tag) {
                    emit(Event.reasoning, scalars[..<close.lowerBound], &events)
                    held = String(Substring(scalars[close.upperBound...]))
                    mode = .answer
                    continue
                }
                let keep = ending ? 0 : Self.tagPrefixLength(tag, atEndOf: scalars)
                let cut = scalars.index(scalars.endIndex, offsetBy: -keep)
                emit(Event.reasoning, scalars[..<cut], &events)
                held = String(Substring(scalars[cut...]))
                return
            case .answer:
                emit(Event.content, Substring(held).unicodeScalars[...], &events)
                held = ""
                return
            }
        }
    }

    private func emit(_ kind: (String) -> Event, _ scalars: Substring.UnicodeScalarView, _ events: inout [Event]) {
        guard !scalars.isEmpty else { return }
        events.append(kind(String(Substring(scalars))))
    }

    /// How many scalars at the end of `scalars` could begin `tag`.
    private static func tagPrefixLength(_ tag: String.UnicodeScalarView, atEndOf scalars: Substring.UnicodeScalarView) -> Int {
        for length in stride(from: min(tag.count - 1, scalars.count), to: 0, by: -1)
        where scalars.suffix(length).elementsEqual(tag.prefix(length)) {
            return length
        }
        return 0
    }
}
