import SluiceTokenizer

/// Turns one completion's tokens into text as they arrive, holding back whatever may still
/// become a stop string, so that a stop string is never emitted, not even its first character.
///
/// As vLLM's incremental detokenizer with `check_stop_strings`: text is released only up to the
/// longest suffix that is a prefix of some stop string; when a stop string appears, the text ends
/// before it (or after it, with `include_stop_str_in_output`). Matching is on UTF-8 bytes; since a
/// stop string starts with a lead byte, every cut falls between characters.
struct StopStringDetector: Sendable {
    private var decoder: IncrementalDecoder
    private let stopStrings: [[UInt8]]
    private let includeStopString: Bool
    /// Decoded text not yet released: at most a possible stop-string prefix.
    private var pending: [UInt8] = []

    init(tokenizer: any Tokenizer, params: SamplingParams) {
        decoder = IncrementalDecoder(tokenizer: tokenizer, skipSpecialTokens: params.skipSpecialTokens)
        stopStrings = params.stop.map { Array($0.utf8) }
        includeStopString = params.includeStopStringInOutput
    }

    /// Adds a token; returns the text it releases and, when a stop string now appears, that string
    /// (the text then ends there and the request must stop).
    mutating func add(_ tokenID: Int) -> (text: String, stop: String?) {
        pending.append(contentsOf: decoder.add(tokenID).utf8)
        guard !stopStrings.isEmpty else { return (release(pending.count), nil) }
        if let (start, stop) = earliestStop() {
            let end = includeStopString ? start + stop.count : start
            let text = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeAll()
            return (text, String(decoding: stop, as: UTF8.self))
        }
        return (release(pending.count - heldBackLength()), nil)
    }

    /// Releases everything held back, an unfinished UTF-8 sequence as U+FFFD: the request ended
    /// for another reason.
    mutating func flush() -> String {
        pending.append(contentsOf: decoder.flush().utf8)
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

    /// The length of the longest pending suffix that a stop string starts with (shorter than
    /// the whole stop string, which `earliestStop()` would have found).
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
