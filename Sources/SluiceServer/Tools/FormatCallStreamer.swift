import SluiceGrammar

/// Streams one choice's text in a ``ToolCallFormat``: content until one of the format's markers (or a bare
/// opening at the answer's start), then each call's id and name once its name is known and its arguments as
/// they arrive, the same ``ToolCallStreamer/Event``s the Hermes path sends.
///
/// Text that could be the start of a marker is held until it is not. A region that turns out not to be
/// calls before any of its calls opened goes out as content: its marker as written, and its text read
/// again as content (it may hold a marker further on). Once a call opened it stays sent; the text from
/// the character that broke the region on is content again. Content is trimmed as the Hermes path trims it.
struct FormatCallStreamer {
    typealias Event = ToolCallStreamer.Event

    private enum Mode {
        case content
        /// Reading calls after `marker` (empty at a bare opening); `raw` is the region's text so far.
        case region(any CallRegionReader, marker: String, raw: String)
    }

    private let format: any ToolCallFormat
    private var mode = Mode.content
    private var held = ""
    private var heldSpace = ""
    private var sentContent = false
    private var checkedStart = false
    /// Opens calls from the reader's events.
    private var opener = CallOpener(joinsArguments: true)
    /// Calls opened so far; the next call's index.
    var numCalls: Int { opener.numCalls }
    /// ``numCalls`` when the current region opened.
    private var regionFirstCall = 0
    /// Whether a region broke after some of its calls were sent, which makes a whole answer content.
    private var brokeAfterCalls = false

    init(format: any ToolCallFormat) {
        self.format = format
    }

    /// The events `text`, the next piece of the choice, makes.
    mutating func feed(_ text: String) -> [Event] {
        var events: [Event] = []
        held += text
        process(&events)
        return events
    }

    /// The events that end the choice: held text goes out as content, a region that opened no call too.
    mutating func finish() -> [Event] {
        var events = feed("")
        // A region that never became a call was text: read it again as content, markers and all (a marker
        // further on may open another region, so until none is left open).
        while case .region(let reader, let marker, let raw) = mode, !reader.isBetweenCalls, numCalls == regionFirstCall {
            mode = .content
            emitContent(marker, &events)
            held = raw + held
            process(&events, finishing: true)
        }
        if case .content = mode { emitContent(held, &events) }
        held = ""
        return events
    }

    /// The whole text read as a stream reads it. Calls whose arguments are not a whole JSON object (a call
    /// cut off by `max_tokens`, or broken in the middle), or calls followed by text that breaks their list,
    /// make the whole text content, as vLLM's parsers do (a stream has sent them by then).
    static func parse(_ text: String, format: any ToolCallFormat) -> ParsedToolCalls {
        var streamer = FormatCallStreamer(format: format)
        var content = ""
        var calls: [(name: String, arguments: String)] = []
        for event in streamer.feed(text) + streamer.finish() {
            switch event {
            case .content(let text): content += text
            case .callStart(_, let name): calls.append((name, ""))
            case .arguments(let index, let text): calls[index].arguments += text
            }
        }
        var parsed: [ParsedToolCalls.Call] = []
        for call in calls {
            guard !streamer.brokeAfterCalls, let arguments = try? SluiceGrammar.JSONValue.parse(call.arguments), arguments.objectValue != nil else {
                let whole = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return ParsedToolCalls(content: whole.isEmpty ? nil : whole, calls: [])
            }
            parsed.append(ParsedToolCalls.Call(name: call.name, arguments: arguments.compactText()))
        }
        return ParsedToolCalls(content: content.isEmpty ? nil : content, calls: parsed)
    }

    private mutating func process(_ events: inout [Event], finishing: Bool = false) {
        while true {
            switch mode {
            case .content:
                if !checkedStart {
                    guard let first = held.unicodeScalars.first(where: { !$0.properties.isWhitespace }) else { return }
                    checkedStart = true
                    if format.bareOpenings.contains(first) {
                        held = String(held.unicodeScalars.drop { $0 != first })
                        openRegion(after: nil)
                        continue
                    }
                }
                guard let (marker, range) = MarkerSearch.first(format.openMarkers, in: held) else {
                    let keep = finishing ? 0 : MarkerSearch.heldPrefixLength(format.openMarkers, of: held)
                    emitContent(String(held.dropLast(keep)), &events)
                    held = String(held.suffix(keep))
                    return
                }
                emitContent(String(held[..<range.lowerBound]), &events)
                held = String(held[range.upperBound...])
                openRegion(after: marker)
            case .region(var reader, let marker, var raw):
                var index = held.unicodeScalars.startIndex
                let scalars = held.unicodeScalars
                var named = true
                while index < scalars.endIndex, reader.status == .reading, named {
                    let c = scalars[index]
                    index = scalars.index(after: index)
                    raw.unicodeScalars.append(c)
                    named = handle(reader.read(c), &events)
                }
                if reader.status == .done, reader.leftLastCharacter {
                    index = scalars.index(before: index)
                    raw.unicodeScalars.removeLast()
                }
                let rest = String(scalars[index...])
                switch named ? reader.status : .failed {
                case .reading:
                    mode = .region(reader, marker: marker, raw: raw)
                    held = ""
                    return
                case .done:
                    mode = .content
                    held = rest
                case .failed:
                    mode = .content
                    if numCalls == regionFirstCall {
                        // Not calls after all: the marker is content, and the region's text is read again.
                        emitContent(marker, &events)
                        held = raw + rest
                    } else {
                        held = rest
                        brokeAfterCalls = true
                    }
                }
                opener.endCall()
            }
        }
    }

    private mutating func openRegion(after marker: String?) {
        mode = .region(format.makeReader(after: marker), marker: marker ?? "", raw: "")
        regionFirstCall = numCalls
    }

    /// Reader events into call events, opened as the Hermes path opens them (``CallOpener``). False when a
    /// call names a function the request does not have.
    private mutating func handle(_ found: [CallBlockScanner.Event], _ events: inout [Event]) -> Bool {
        opener.handle(found, functionNames: format.functionNames, &events)
    }

    /// Content, trimmed like the whole-text parsers': leading whitespace dropped, trailing whitespace held.
    private mutating func emitContent(_ text: String, _ events: inout [Event]) {
        var text = Substring(text)
        if !sentContent { text = text.drop { $0.isWhitespace } }
        guard !text.isEmpty else { return }
        guard let last = text.lastIndex(where: { !$0.isWhitespace }) else {
            heldSpace += text
            return
        }
        let visible = heldSpace + text[...last]
        heldSpace = String(text[text.index(after: last)...])
        sentContent = true
        if case .content(let previous)? = events.last {
            events[events.count - 1] = .content(previous + visible)
        } else {
            events.append(.content(visible))
        }
    }
}
