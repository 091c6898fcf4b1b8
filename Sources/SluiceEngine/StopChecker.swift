/// Every way one request stops, in one place: `max_tokens` and the model's context, EOS (unless
/// `ignore_eos`), `stop_token_ids`, `min_tokens`, and `stop` strings.
///
/// Token rules follow vLLM v1's `check_stop` (vllm/v1/core/sched/utils.py): length first, so a
/// request whose last allowed token is EOS finishes with ``FinishReason/length``; no stop token
/// counts before `min_tokens` outputs. The scheduler asks ``check(tokenID:numOutputTokens:numTokens:)``
/// as it appends each token, and the sampler bans ``minTokensBannedIDs`` while
/// ``bansStopTokens(numOutputTokens:)`` says so, as a logits step over this same data.
///
/// The string rule follows vLLM's detokenizer (`check_stop_strings` in vllm/v1/engine/detokenizer.py)
/// and runs where the text is made, off the step thread: ``checkText(_:)`` releases text only up to
/// the longest suffix that could still start a stop string, so a stop string never reaches a client,
/// not even its first character. Matching is on UTF-8 bytes; a stop string starts with a lead
/// byte, so every cut falls between characters. Each side keeps its own copy: the token rules are
/// pure, only the held-back text is state.
public struct StopChecker: Sendable {
    /// The most tokens to generate.
    public let maxTokens: Int
    /// Prompt plus outputs may not pass the model's context.
    public let maxModelLength: Int
    /// Stop tokens count only from this many outputs on.
    public let minTokens: Int
    /// The end-of-generation ids that stop the request: empty under `ignore_eos`.
    let eosTokenIDs: Set<Int>
    /// The request's `stop_token_ids`, which stop it even under `ignore_eos`.
    let stopTokenIDs: Set<Int>
    /// What the sampler bans before `min_tokens`: the stop token ids, then EOS unless ignored.
    public let minTokensBannedIDs: [Int]
    /// The `stop` strings as UTF-8.
    private let stopStrings: [[UInt8]]
    /// Keep the stop string, or the stop token's text, at the end of the text.
    public let includeStopInOutput: Bool
    /// Decoded text not yet released: at most a possible stop-string prefix.
    private var pending: [UInt8] = []

    /// The checker of a request with `params`, for a model whose generation ends at `eosTokenIDs`.
    public init(params: SamplingParams, eosTokenIDs: Set<Int>, maxModelLength: Int = .max) {
        maxTokens = params.maxTokens
        self.maxModelLength = maxModelLength
        minTokens = params.minTokens
        self.eosTokenIDs = params.ignoreEOS ? [] : eosTokenIDs
        stopTokenIDs = Set(params.stopTokenIDs)
        minTokensBannedIDs = params.stopTokenIDs + self.eosTokenIDs.sorted()
        stopStrings = params.stop.map { Array($0.utf8) }
        includeStopInOutput = params.includeStopStringInOutput
    }

    // MARK: Token rules (the scheduler and the sampler)

    /// Why the request stops now that its last token is `tokenID`, with `numOutputTokens` outputs
    /// and `numTokens` tokens in all; `nil` when it goes on.
    public func check(tokenID: Int, numOutputTokens: Int, numTokens: Int) -> (FinishReason, StopReason?)? {
        if numOutputTokens >= maxTokens || numTokens >= maxModelLength { return (.length, nil) }
        guard numOutputTokens >= minTokens else { return nil }
        if eosTokenIDs.contains(tokenID) { return (.stop, nil) }
        if stopTokenIDs.contains(tokenID) { return (.stop, .tokenID(tokenID)) }
        return nil
    }

    /// Whether the next token, after `numOutputTokens` outputs, must not be a stop token.
    public func bansStopTokens(numOutputTokens: Int) -> Bool {
        numOutputTokens < minTokens && !minTokensBannedIDs.isEmpty
    }

    // MARK: The string rule (the output side)

    /// Whether any stop string can end the text.
    public var hasStopStrings: Bool { !stopStrings.isEmpty }

    /// Adds newly decoded text; returns the text it releases and, when a stop string now appears,
    /// that string (the text then ends before it, or after it with `include_stop_str_in_output`,
    /// and the request must stop).
    mutating func checkText(_ text: String) -> (text: String, stop: String?) {
        // Without stop strings nothing is ever held back.
        guard hasStopStrings else { return (text, nil) }
        pending.append(contentsOf: text.utf8)
        if let (start, stop) = earliestStop() {
            let end = includeStopInOutput ? start + stop.count : start
            let released = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeAll()
            return (released, String(decoding: stop, as: UTF8.self))
        }
        return (release(pending.count - heldBackLength()), nil)
    }

    /// Releases everything held back, followed by `rest` (the decoder's last bytes): the request
    /// ended for another reason, so no stop string can come.
    mutating func flushText(_ rest: String) -> String {
        pending.append(contentsOf: rest.utf8)
        return release(pending.count)
    }

    /// Releases the first `count` pending bytes as text.
    private mutating func release(_ count: Int) -> String {
        guard count > 0 else { return "" }
        let text = String(decoding: pending[..<count], as: UTF8.self)
        pending.removeFirst(count)
        return text
    }

    /// The leftmost stop string in the pending text (the first listed on a tie), with its start.
    private func earliestStop() -> (Int, [UInt8])? {
        var best: (Int, [UInt8])?
        for stop in stopStrings {
            guard let start = firstIndex(of: stop), start < (best?.0 ?? Int.max) else { continue }
            best = (start, stop)
        }
        return best
    }

    private func firstIndex(of needle: [UInt8]) -> Int? {
        guard needle.count <= pending.count else { return nil }
        for start in 0...(pending.count - needle.count)
        where pending[start] == needle[0] && pending[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    /// The length of the longest pending suffix that a stop string starts with (shorter than the
    /// whole stop string, which `earliestStop()` would have found).
    private func heldBackLength() -> Int {
        var longest = 0
        for stop in stopStrings {
            var length = min(stop.count - 1, pending.count)
            while length > longest {
                if pending[(pending.count - length)...].elementsEqual(stop[..<length]) {
                    longest = length
                    break
                }
                length -= 1
            }
        }
        return longest
    }
}
