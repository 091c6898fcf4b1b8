import SluiceGrammar

/// Turns one choice's text, as it is generated, into content and tool-call deltas, so a streamed request
/// with tools gets its calls while the model writes them rather than when the choice ends.
///
/// - `auto` (the Hermes format): text streams as content until `<tool_call>`; the block's calls then go out
///   as each name closes (id and name) and as their arguments arrive. A fenced block is held until it closes
///   or its info line shows it is not JSON, then sent as calls or as content. Text that could be the start
///   of a tag or fence is held until it is not.
/// - `required` and a named `tool_choice`: the text is an array of calls or one call object, read like a block.
///
/// With another `--tool-call-parser` format, `auto` goes through ``FormatCallStreamer``, which reads each
/// format's markers and bare openings the same way; `required` and a named choice are plain JSON in any format.
///
/// Content is trimmed as ``HermesToolCallParser`` trims it: nothing before the first visible character,
/// and whitespace at the end is held until more content follows. What the streamer cannot read as a call
/// is sent as content, as the whole-text parser would return it; a call already sent stays sent.
struct ToolCallStreamer {
    enum Event: Equatable {
        case content(String)
        /// A call opens: the chunk carrying its id and name.
        case callStart(index: Int, name: String)
        case arguments(index: Int, String)
    }

    private enum Mode {
        /// Plain text; `held` may be the start of a tag or a fence.
        case content
        /// Inside `<tool_call>`: its JSON read by the scanner, `raw` the text since the tag.
        case block(CallBlockScanner, raw: String)
        /// After a block's JSON, until `</tool_call>`.
        case afterBlock
        /// A block that did not read as calls in flight, held whole until it closes.
        case rawBlock(raw: String)
        /// After "```": held until its info line shows whether it may hold calls, then until it closes.
        case fence(raw: String)
        /// Inside a fenced block that is not JSON: streamed as content until its closing fence.
        case codeFence
        /// Text after a forced call or array, or one that failed to read: passed through as content.
        case passThrough
    }

    private static let openTag = HermesToolCallParser.openTag
    private static let closeTag = HermesToolCallParser.closeTag
    private static let fence = "```"

    private var mode: Mode
    private let parser: HermesToolCallParser
    /// Whether `tool_choice` forced the output to be calls (`required` or a named function): plain JSON.
    private let isForced: Bool
    private var held = ""
    private var heldSpace = ""
    private var sentContent = false
    /// Opens calls from the scanner's events.
    private var opener = CallOpener(joinsArguments: false)
    /// Calls opened so far; the next call's index.
    var numCalls: Int { opener.numCalls }
    /// Whether the answer's start was checked for a bare call object, and whether the current block is one.
    private var checkedBare: Bool
    private var isBare = false
    /// ``numCalls`` when the current block opened: a block that sent calls is never re-sent as content.
    private var blockFirstCall = 0
    /// The chosen format's streamer, for `auto` in a format other than Hermes.
    private var format: FormatCallStreamer?

    init(tools: ToolFields) {
        parser = tools.parser
        if tools.choice == .auto, let callFormat = tools.callFormat { format = FormatCallStreamer(format: callFormat) }
        switch tools.choice {
        case .auto:
            mode = .content
            isForced = false
            checkedBare = false
        case .function, .required:
            mode = .block(CallBlockScanner(), raw: "")
            isForced = true
            checkedBare = true
        }
    }

    /// The events `text`, the next piece of the choice, makes.
    mutating func feed(_ text: String) -> [Event] {
        if format != nil {
            defer { opener.numCalls = format?.numCalls ?? 0 }
            return format!.feed(text)
        }
        var events: [Event] = []
        held += text
        process(&events)
        return events
    }

    /// The events that end the choice: what was held goes out as the whole-text parser would read it.
    mutating func finish() -> [Event] {
        if format != nil {
            defer { opener.numCalls = format?.numCalls ?? 0 }
            return format!.finish()
        }
        var events = feed("")
        switch mode {
        case .content, .codeFence:
            emitContent(held, &events)
        case .fence:
            // A json block left open counts when its JSON is whole, as in the whole-text parser.
            let calls = held.firstIndex(of: "\n").map { parser.calls(in: held[$0...]) } ?? []
            if calls.isEmpty { emitContent(held, &events) } else { emitCalls(calls, &events) }
        case .block(_, let raw), .rawBlock(let raw):
            let body = raw + held
            if isForced || isBare {
                if numCalls == blockFirstCall { emitContent(body, &events) }
            } else if numCalls == blockFirstCall {
                emitWholeBlock(body, closed: false, &events)
            }
        case .afterBlock:
            break
        case .passThrough:
            emitContent(held, &events)
        }
        held = ""
        return events
    }

    private mutating func process(_ events: inout [Event]) {
        while true {
            switch mode {
            case .content:
                if !checkedBare {
                    // An answer that opens with a call object, bare, as small models write one.
                    guard let first = held.unicodeScalars.first(where: { !$0.properties.isWhitespace }) else { return }
                    checkedBare = true
                    if first == "{" || first == "[" {
                        mode = .block(CallBlockScanner(), raw: "")
                        isBare = true
                        blockFirstCall = numCalls
                        continue
                    }
                }
                let markers = [Self.openTag, Self.fence]
                guard let (marker, range) = MarkerSearch.first(markers, in: held) else {
                    let keep = MarkerSearch.heldPrefixLength(markers, of: held)
                    emitContent(String(held.dropLast(keep)), &events)
                    held = String(held.suffix(keep))
                    return
                }
                emitContent(String(held[..<range.lowerBound]), &events)
                if marker == Self.openTag {
                    held = String(held[range.upperBound...])
                    mode = .block(CallBlockScanner(), raw: "")
                    blockFirstCall = numCalls
                } else {
                    held = String(held[range.lowerBound...])
                    mode = .fence(raw: "")
                }
            case .block(var scanner, let raw):
                let (found, rest) = scanner.feed(Substring(held))
                let consumed = rest.map { String(held[..<$0.startIndex]) } ?? held
                let named = handle(found, &events)
                held = rest.map(String.init) ?? ""
                switch named ? scanner.status : .failed {
                case .reading:
                    mode = .block(scanner, raw: raw + consumed)
                    return
                case .done:
                    mode = isForced ? .passThrough : isBare ? .content : .afterBlock
                    isBare = false
                case .failed:
                    held = raw + consumed + held
                    if isForced {
                        if numCalls == 0 { mode = .passThrough } else { held = ""; return }
                    } else if isBare {
                        // Not a call after all: the text goes on as content (already sent calls stay sent).
                        if numCalls > blockFirstCall { held = "" }
                        mode = .content
                        isBare = false
                    } else if numCalls > blockFirstCall {
                        mode = .afterBlock
                    } else {
                        mode = .rawBlock(raw: "")
                    }
                }
                opener.endCall()
            case .afterBlock:
                guard let (marker, range) = MarkerSearch.first([Self.closeTag, Self.openTag], in: held) else {
                    held = String(held.suffix(MarkerSearch.heldPrefixLength([Self.closeTag, Self.openTag], of: held)))
                    return
                }
                held = String(held[(marker == Self.closeTag ? range.upperBound : range.lowerBound)...])
                mode = .content
            case .rawBlock(let raw):
                guard let close = held.range(of: Self.closeTag) else { return }
                emitWholeBlock(raw + held[..<close.lowerBound], closed: true, &events)
                held = String(held[close.upperBound...])
                mode = .content
            case .fence:
                // `held` starts with the fence; its info string runs to the end of its line.
                guard let lineEnd = held.firstIndex(of: "\n") else { return }
                let info = held[held.index(held.startIndex, offsetBy: Self.fence.count)..<lineEnd]
                    .trimmingCharacters(in: .whitespaces).lowercased()
                if !info.isEmpty && info != "json" {
                    emitContent(String(held[...lineEnd]), &events)
                    held = String(held[held.index(after: lineEnd)...])
                    mode = .codeFence
                    continue
                }
                guard let close = held[lineEnd...].range(of: Self.fence) else { return }
                let calls = parser.calls(in: held[lineEnd..<close.lowerBound])
                if calls.isEmpty {
                    emitContent(String(held[..<close.upperBound]), &events)
                } else {
                    emitCalls(calls, &events)
                }
                held = String(held[close.upperBound...])
                mode = .content
            case .codeFence:
                guard let range = held.range(of: Self.fence) else {
                    let keep = MarkerSearch.heldPrefixLength([Self.fence], of: held)
                    emitContent(String(held.dropLast(keep)), &events)
                    held = String(held.suffix(keep))
                    return
                }
                emitContent(String(held[..<range.upperBound]), &events)
                held = String(held[range.upperBound...])
                mode = .content
            case .passThrough:
                emitContent(held, &events)
                held = ""
                return
            }
        }
    }

    /// Scanner events into call events: a call opens once its name is known and its arguments have gone past
    /// their opening brace (so a block that breaks at once stays content); arguments before that wait.
    /// False when a call names a function the request does not have: the block is then no call.
    private mutating func handle(_ found: [CallBlockScanner.Event], _ events: inout [Event]) -> Bool {
        opener.handle(found, functionNames: parser.functionNames, &events)
    }

    private mutating func emitCalls(_ calls: [ParsedToolCalls.Call], _ events: inout [Event]) {
        for call in calls {
            opener.open(call.name, call.arguments, &events)
            opener.closeCurrent()
        }
    }

    /// A block read whole, as the whole-text parser reads it: its calls, or its text as content.
    private mutating func emitWholeBlock(_ body: String, closed: Bool, _ events: inout [Event]) {
        let calls = parser.calls(in: Substring(body))
        if calls.isEmpty {
            emitContent(Self.openTag + body + (closed ? Self.closeTag : ""), &events)
        } else {
            emitCalls(calls, &events)
        }
    }

    /// Content, trimmed like the whole-text parser's: leading whitespace dropped, trailing whitespace held.
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
        events.append(.content(visible))
    }
}
