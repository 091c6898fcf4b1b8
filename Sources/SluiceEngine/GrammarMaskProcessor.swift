import SluiceGrammar

/// Structured output as a logits processor: every token the request's grammar does not allow next gets
/// -inf, end tokens included until the grammar can finish; each sampled token advances the grammar, and the
/// request finishes once nothing more can follow (vLLM v1's grammar bitmask, applied per request).
///
/// The mask for the next step is computed as soon as a token is accepted (and the first one when the
/// processor is made), so that "nothing but an end token can follow" is known before the next forward pass
/// and the request stops without spending one on an end token. With a ``ReasoningEnd``, all of that waits
/// until the model's thought has ended: the grammar starts fresh after it. A request preempted by recompute
/// keeps its processor: its generated tokens are kept too, so the matcher already stands after them, and it
/// is only asked to accept the tokens sampled after the request catches up.
public struct GrammarMaskProcessor: LogitsProcessor, @unchecked Sendable {
    // @unchecked: `matcher` is a class without locks. A processor is made for one child request on the step
    // thread (``EngineCore`` adds it there) and only that thread ever calls it; it is never shared.
    private var matcher: GrammarMatcher
    private let structuredOutput: StructuredOutput
    private let triggers: GrammarTriggers?
    private let reasoningEnd: ReasoningEnd?
    /// The output is still inside the model's thought: nothing is constrained, nothing fed to the grammar or
    /// watched for triggers.
    private var inThought: Bool
    /// No token sampled yet, and the model may open a thought with its first (``ReasoningEnd/openingTokenIDs``).
    private var mayOpenThought: Bool
    /// Lazy only: the grammar is constraining now (false: watching for a trigger, or on trial).
    private var started: Bool
    /// Lazy only: a tentative start follows the output, unconstrained; the JSON strings closed in it so far.
    private var trial: JSONStringCounter?
    /// The output's last bytes while watching for the thought's end or a lazy pattern, to find one that spans
    /// tokens.
    private var recent: [UInt8] = []
    /// Lazy only: the grammar completed once and may not start again, or failed; nothing is constrained.
    private var retired = false
    /// The tokens allowed at the next step, always current.
    private var mask: TokenBitmask
    /// The grammar is complete and only end tokens could follow, or it cannot go on (a token it
    /// refused, which only an all -inf row can give, or a work limit reached while matching).
    public private(set) var isFinished = false

    /// A processor at the start of `structuredOutput`'s grammar, or watching for `triggers`, either after
    /// `reasoningEnd` when given; throws when even the first mask hits a limit.
    public init(_ structuredOutput: StructuredOutput, triggers: GrammarTriggers? = nil, reasoningEnd: ReasoningEnd? = nil) throws {
        self.structuredOutput = structuredOutput
        self.triggers = triggers
        self.reasoningEnd = reasoningEnd
        matcher = try structuredOutput.makeMatcher()
        mask = TokenBitmask(size: structuredOutput.vocabulary.size)
        inThought = reasoningEnd?.startsInThought ?? false
        mayOpenThought = !(reasoningEnd?.startsInThought ?? true) && !(reasoningEnd?.openingTokenIDs.isEmpty ?? true)
        started = triggers == nil && !inThought
        if started { try refresh() }
    }

    /// Whether the grammar is constraining the next token (always without triggers or a thought).
    public var isConstraining: Bool { started }

    /// Without triggers, from the thought's end (at once without one): even a finished grammar allows only
    /// end tokens. Lazy: while started.
    public func isActive(_ history: TokenHistory) -> Bool { started }

    public func apply(to logits: UnsafeMutableBufferPointer<Float>, history: TokenHistory) {
        guard let base = logits.baseAddress else { return }
        let count = logits.count
        mask.words.withUnsafeBufferPointer { words in
            for w in words.indices {
                let start = w &<< 6
                guard start < count else { return }
                let word = words[w]
                if word == .max { continue }
                if word == 0 {
                    // Most words of a constrained step are all banned: fill them whole.
                    (base + start).update(repeating: -.infinity, count: min(64, count - start))
                    continue
                }
                var banned = ~word
                while banned != 0 {
                    let token = start | banned.trailingZeroBitCount
                    if token < count { base[token] = -.infinity }
                    banned &= banned &- 1
                }
            }
        }
        // Rows wider than the tokenizer's vocabulary (padded embeddings): those ids are no tokens at all.
        let covered = mask.words.count &<< 6
        if covered < count { (base + covered).update(repeating: -.infinity, count: count - covered) }
    }

    public mutating func accept(_ tokenID: Int) {
        if mayOpenThought {
            mayOpenThought = false
            if reasoningEnd?.openingTokenIDs.contains(tokenID) == true {
                // The model opened a thought: the grammar, untouched so far, waits for its end.
                inThought = true
                started = false
                return
            }
        }
        if inThought {
            leaveThought(after: tokenID)
            return
        }
        guard let triggers else {
            guard !isFinished else { return }
            do {
                guard try matcher.accept(tokenID), !matcher.isTerminated else {
                    isFinished = true
                    return
                }
                try refresh()
            } catch {
                isFinished = true
            }
            return
        }
        if retired { return }
        if started || trial != nil {
            if var counted = trial, tokenID >= 0, tokenID < structuredOutput.vocabulary.size {
                counted.count(structuredOutput.vocabulary.tokenBytes[tokenID][...])
                trial = counted
            }
            acceptStarted(tokenID, triggers)
        } else {
            watch(tokenID, triggers)
        }
    }

    /// Lazy, started or on trial: advances the grammar; once it could finish, goes back to watching.
    private mutating func acceptStarted(_ tokenID: Int, _ triggers: GrammarTriggers) {
        do {
            guard try matcher.accept(tokenID) else {
                // On trial, the output left the grammar: it was no call. Started, only an all -inf row can give
                // a refused token: the constraint is given up.
                if trial == nil { retired = true }
                stop(triggers, completed: false)
                return
            }
            try advance(triggers)
        } catch {
            retired = true
            stop(triggers, completed: false)
        }
    }

    /// After the matcher took bytes: complete, committed, or still on trial.
    private mutating func advance(_ triggers: GrammarTriggers) throws {
        if try matcher.canFinish() { stop(triggers, completed: true); return }
        if let counted = trial, let tentative = triggers.tentative {
            if counted.closed < tentative.committedAfterStrings { return }
            trial = nil
        }
        try computeLazyMask()
        started = true
    }

    private mutating func stop(_ triggers: GrammarTriggers, completed: Bool) {
        started = false
        trial = nil
        if completed && !triggers.repeats { retired = true }
        recent.removeAll(keepingCapacity: true)
    }

    /// In the thought: when `tokenID` ends it, the grammar starts on what follows, eagerly or watching for
    /// its triggers, fed the bytes of the same token past the end marker.
    private mutating func leaveThought(after tokenID: Int) {
        guard let reasoningEnd else { return }
        var answer: [UInt8] = []
        if !reasoningEnd.tokenIDs.contains(tokenID) {
            guard tokenID >= 0, tokenID < structuredOutput.vocabulary.size else { return }
            let before = recent.count
            recent += structuredOutput.vocabulary.tokenBytes[tokenID]
            guard let end = Self.end(of: reasoningEnd.pattern, in: recent, newFrom: before) else {
                let keep = reasoningEnd.pattern.count - 1
                if recent.count > keep { recent.removeFirst(recent.count - keep) }
                return
            }
            answer = Array(recent[end...])
        }
        inThought = false
        recent.removeAll(keepingCapacity: true)
        if let triggers {
            watch(bytes: answer, triggers)
            return
        }
        started = true
        do {
            let fed = answer.drop { Self.isSpace($0) }
            // Bytes the grammar refuses were written unconstrained, in the marker's own token: the constraint
            // holds from the next token on rather than giving up.
            if !fed.isEmpty, try !matcher.accept(bytes: Array(fed)) { matcher = try structuredOutput.makeMatcher() }
            try refresh()
        } catch {
            isFinished = true
        }
    }

    /// Lazy, watching: starts the grammar when `tokenID` is a trigger or completes a pattern, or on trial at a
    /// tentative byte.
    private mutating func watch(_ tokenID: Int, _ triggers: GrammarTriggers) {
        if triggers.tokenIDs.contains(tokenID) {
            start(with: [], trial: false, triggers)
            return
        }
        guard tokenID >= 0, tokenID < structuredOutput.vocabulary.size else { return }
        watch(bytes: structuredOutput.vocabulary.tokenBytes[tokenID], triggers)
    }

    /// Lazy, watching: `bytes`, the next output, may complete a pattern or open a tentative start.
    private mutating func watch(bytes: [UInt8], _ triggers: GrammarTriggers) {
        if triggers.longestPattern > 0 {
            let before = recent.count
            recent += bytes
            // The earliest pattern that ends inside this token starts the grammar after it.
            if let end = Self.earliestEnd(of: triggers.patterns, in: recent, newFrom: before) {
                start(with: Array(recent[end...]), trial: false, triggers)
                return
            }
            let keep = triggers.longestPattern - 1
            if recent.count > keep { recent.removeFirst(recent.count - keep) }
        }
        if let tentative = triggers.tentative, let first = bytes.firstIndex(where: tentative.bytes.contains) {
            start(with: Array(bytes[first...]), trial: true, triggers)
        }
    }

    /// Starts a fresh grammar, fed `bytes` (what the trigger's token wrote past the trigger), constraining at
    /// once or on trial.
    private mutating func start(with bytes: [UInt8], trial onTrial: Bool, _ triggers: GrammarTriggers) {
        recent.removeAll(keepingCapacity: true)
        do {
            matcher = try structuredOutput.makeMatcher()
            trial = onTrial ? JSONStringCounter() : nil
            let fed = bytes.drop { Self.isSpace($0) }
            if !fed.isEmpty {
                guard try matcher.accept(bytes: Array(fed)) else { trial = nil; return }  // no start of the grammar
                trial?.count(fed)
            }
            try advance(triggers)
        } catch {
            retired = true
            trial = nil
        }
    }

    /// A started lazy grammar's mask: what it allows, end tokens never (it is incomplete).
    private mutating func computeLazyMask() throws {
        try matcher.computeMask(into: &mask)
        for token in structuredOutput.vocabulary.endTokenIDs where mask.isAllowed(token) {
            mask.words[token >> 6] &= ~(1 << UInt64(token & 63))
        }
    }

    /// Where the earliest of `patterns` that ends past `newFrom` in `recent` ends, if one does.
    private static func earliestEnd(of patterns: [[UInt8]], in recent: [UInt8], newFrom before: Int) -> Int? {
        var earliest: Int?
        for pattern in patterns {
            if let end = end(of: pattern, in: recent, newFrom: before) { earliest = min(earliest ?? .max, end) }
        }
        return earliest
    }

    /// Where `pattern` first ends in `recent` past `newFrom` (only matches that take a new byte count).
    private static func end(of pattern: [UInt8], in recent: [UInt8], newFrom before: Int) -> Int? {
        guard !pattern.isEmpty, recent.count >= pattern.count else { return nil }
        var at = max(0, before - pattern.count + 1)
        while at + pattern.count <= recent.count {
            if recent[at..<(at + pattern.count)].elementsEqual(pattern) { return at + pattern.count }
            at += 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    /// Computes the next mask, and whether anything but an end token may come next.
    private mutating func refresh() throws {
        try matcher.computeMask(into: &mask)
        if mayOpenThought, let opening = reasoningEnd?.openingTokenIDs {
            for token in opening where token >= 0 && token < mask.words.count &<< 6 { mask.allow(token) }
        }
        var allowedEnds = 0
        for token in matcher.vocabulary.endTokenIDs where mask.isAllowed(token) { allowedEnds += 1 }
        if mask.allowedCount == allowedEnds { isFinished = true }
    }
}

/// Counts the JSON strings that close in a byte stream (escapes honoured): how far a tentative call object went.
struct JSONStringCounter: Equatable {
    private(set) var closed = 0
    private var inString = false
    private var escaped = false

    mutating func count(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes {
            if !inString {
                if byte == UInt8(ascii: "\"") { inString = true }
            } else if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                closed += 1
            }
        }
    }
}
