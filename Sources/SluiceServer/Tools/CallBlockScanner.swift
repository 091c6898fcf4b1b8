import SluiceGrammar

/// Reads the calls of one tool-call block while it is being generated: one JSON object
/// `{"name": …, "arguments": {…}}`, or an array of them, the shapes ``HermesToolCallParser/calls(in:)`` accepts.
///
/// It goes one character at a time and reports each call's name once its string closes, and its
/// arguments object as its characters arrive, so a stream can send the arguments while the model writes
/// them (as vLLM's streaming tool parsers do, without re-serialising a partial parse: the client receives
/// the model's own characters). Arguments written as a string holding JSON come whole, compacted, when the
/// string closes. Anything that is not such a call fails the scanner; what was already reported stands.
struct CallBlockScanner {
    enum Event: Equatable {
        /// The current call's name, whole.
        case name(String)
        /// More of the current call's arguments text.
        case arguments(String)
        /// The current call's object closed.
        case callEnd
    }

    enum Status: Equatable {
        case reading
        /// The block's JSON closed; the rest of the text is not the scanner's.
        case done
        case failed
    }

    private enum State {
        case start, listNext, listAfter
        case objectKey, key, colon, value, objectNext
        case nameString, argumentsString, argumentsObject, skippedValue
    }

    private(set) var status = Status.reading
    private var state = State.start
    private var isList = false
    private var string = JSONStringReader()
    private var key = ""
    private var value = JSONValueEnd()
    private var hasArguments = false

    /// Reads `chunk`; returns its events in order and, once the block closed, where the rest begins.
    mutating func feed(_ chunk: Substring) -> (events: [Event], rest: Substring?) {
        var events: [Event] = []
        var arguments = ""
        var index = chunk.unicodeScalars.startIndex
        let scalars = chunk.unicodeScalars
        while index < scalars.endIndex, status == .reading {
            let c = scalars[index]
            var consumed = true
            switch read(c, arguments: &arguments) {
            case .none: break
            case .event(let event):
                if !arguments.isEmpty { events.append(.arguments(arguments)); arguments = "" }
                events.append(event)
            case .notConsumed: consumed = false
            }
            if consumed { index = scalars.index(after: index) }
        }
        if !arguments.isEmpty { events.append(.arguments(arguments)) }
        guard status == .done else { return (events, nil) }
        return (events, Substring(scalars[index...]))
    }

    private enum Step { case none, event(Event), notConsumed }

    private mutating func read(_ c: Unicode.Scalar, arguments: inout String) -> Step {
        let space = c == " " || c == "\n" || c == "\t" || c == "\r"
        switch state {
        case .start:
            if space { return .none }
            if c == "{" { state = .objectKey; hasArguments = false } else if c == "[" { isList = true; state = .listNext } else { status = .failed }
        case .listNext:
            if space { return .none }
            if c == "{" { state = .objectKey; hasArguments = false } else { status = .failed }
        case .listAfter:
            if space { return .none }
            if c == "," { state = .listNext } else if c == "]" { status = .done } else { status = .failed }
        case .objectKey:
            if space { return .none }
            if c == "\"" { state = .key; string = JSONStringReader() } else if c == "}" { return closeObject() } else { status = .failed }
        case .key:
            if let whole = readString(c) { key = whole; state = .colon }
        case .colon:
            if space { return .none }
            if c == ":" { state = .value } else { status = .failed }
        case .value:
            if space { return .none }
            return startValue(c, arguments: &arguments)
        case .nameString:
            guard let name = readString(c) else { return .none }
            guard !name.isEmpty else { status = .failed; return .none }
            state = .objectNext
            return .event(.name(name))
        case .argumentsString:
            guard let json = readString(c) else { return .none }
            guard let object = try? SluiceGrammar.JSONValue.parse(json), object.objectValue != nil else {
                status = .failed
                return .none
            }
            state = .objectNext
            hasArguments = true
            return .event(.arguments(object.compactText()))
        case .argumentsObject:
            switch value.read(c) {
            case .inside: arguments.unicodeScalars.append(c)
            case .closed: arguments.unicodeScalars.append(c); state = .objectNext; hasArguments = true
            case .endedBefore, .invalid: status = .failed
            }
        case .skippedValue:
            switch value.read(c) {
            case .inside: break
            case .closed: state = .objectNext
            case .endedBefore: state = .objectNext; return .notConsumed
            case .invalid: status = .failed
            }
        case .objectNext:
            if space { return .none }
            if c == "," { state = .objectKey } else if c == "}" { return closeObject() } else { status = .failed }
        }
        return .none
    }

    private mutating func startValue(_ c: Unicode.Scalar, arguments: inout String) -> Step {
        switch key {
        case "name":
            guard c == "\"" else { status = .failed; return .none }
            state = .nameString
            string = JSONStringReader()
        case "arguments", "parameters":
            if c == "\"" {
                state = .argumentsString
                string = JSONStringReader()
            } else if c == "{" {
                state = .argumentsObject
                value = JSONValueEnd()
                _ = value.read(c)
                arguments.unicodeScalars.append(c)
            } else {
                status = .failed
            }
        default:
            state = .skippedValue
            value = JSONValueEnd()
            switch value.read(c) {
            case .closed: state = .objectNext
            case .invalid: status = .failed
            case .inside, .endedBefore: break
            }
        }
        return .none
    }

    /// A call object closed: one with arguments ends a call, anything else fails the block.
    private mutating func closeObject() -> Step {
        guard hasArguments else { status = .failed; return .none }
        if isList { state = .listAfter } else { status = .done }
        return .event(.callEnd)
    }

    /// Reads `c` into the string being read; at its closing quote returns the decoded string (nil before,
    /// and nil with the scanner failed when the string does not decode).
    private mutating func readString(_ c: Unicode.Scalar) -> String? {
        guard string.read(c) else { return nil }
        guard let decoded = try? SluiceGrammar.JSONValue.parse("\"" + string.raw + "\""), let text = decoded.stringValue else {
            status = .failed
            return nil
        }
        return text
    }
}

/// The raw characters of a JSON string between its quotes, escapes kept, read a character at a time.
struct JSONStringReader {
    private(set) var raw = ""
    private var escaped = false

    /// Reads `c`; true at the closing quote, which is not kept.
    mutating func read(_ c: Unicode.Scalar) -> Bool {
        if escaped {
            escaped = false
        } else if c == "\\" {
            escaped = true
        } else if c == "\"" {
            return true
        }
        raw.unicodeScalars.append(c)
        return false
    }
}

/// Finds where one JSON value ends, a character at a time: an object, array or string at its closing
/// character, a number or literal just before the character that follows it. Outside strings it checks
/// what JSON checks cheaply (brackets that match, no character JSON has no use for), so a block that stops
/// being JSON fails at once rather than at its end.
struct JSONValueEnd {
    enum Step: Equatable { case inside, closed, endedBefore, invalid }

    private var open: [Unicode.Scalar] = []
    private var inString = false
    private var escaped = false
    private var scalar = false

    mutating func read(_ c: Unicode.Scalar) -> Step {
        if inString {
            if escaped {
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                inString = false
                if open.isEmpty { return .closed }
            }
            return .inside
        }
        let space = c == " " || c == "\n" || c == "\t" || c == "\r"
        if scalar, space || c == "," || c == "}" || c == "]" { return .endedBefore }
        switch c {
        case "{", "[":
            open.append(c)
        case "}", "]":
            guard let last = open.popLast(), (last == "{") == (c == "}") else { return .invalid }
            if open.isEmpty { return .closed }
        case "\"":
            inString = true
        case ",", ":":
            if open.isEmpty { return .invalid }
        default:
            guard space || c == "." || c == "+" || c == "-" || ("0"..."9").contains(c) || ("a"..."z").contains(c)
                    || ("A"..."Z").contains(c) else { return .invalid }
            if open.isEmpty && !space { scalar = true }
        }
        return .inside
    }
}
