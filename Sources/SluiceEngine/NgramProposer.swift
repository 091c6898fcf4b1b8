/// Prompt-lookup drafts (vLLM's `NgramProposer`, llama.cpp's lookup decoding): the request's last n
/// tokens, for n from ``maxN`` down to ``minN``, are looked for earlier in its own prompt and output;
/// the tokens that followed the first occurrence become the draft. Costless, and strong where the
/// answer copies its input: code edits, summaries, answers quoting a document.
public struct NgramProposer: Sendable, Equatable {
    /// The shortest and longest n-gram tried; longer matches are tried first.
    public let minN: Int
    public let maxN: Int

    public init(minN: Int, maxN: Int) {
        precondition(minN >= 1 && maxN >= minN, "n-gram bounds must satisfy 1 <= minN <= maxN")
        self.minN = minN
        self.maxN = maxN
    }

    /// Up to `count` tokens that followed the earliest earlier occurrence of the longest suffix of
    /// `tokens` (between ``minN`` and ``maxN`` tokens) that occurs earlier; empty when none does.
    /// Linear in the context per n tried.
    public func propose(_ tokens: ArraySlice<Int>, count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let end = tokens.endIndex
        var n = min(maxN, tokens.count - 1)
        while n >= minN {
            let suffix = tokens[(end - n)...]
            // A match must end before the suffix does, leaving at least one token after it.
            var start = tokens.startIndex
            while start + n < end {
                if tokens[start] == suffix.first!, tokens[start..<(start + n)].elementsEqual(suffix) {
                    let from = start + n
                    return Array(tokens[from..<min(from + count, end)])
                }
                start += 1
            }
            n -= 1
        }
        return []
    }
}
