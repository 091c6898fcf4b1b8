/// Where a streamer looks for the markers that open or close a call (`<tool_call>`, `[TOOL_CALLS]`, a fence),
/// and how much of a chunk's end it must hold back because a marker may be starting there.
enum MarkerSearch {
    /// The earliest of `markers` in `text`.
    static func first(_ markers: [String], in text: String) -> (String, Range<String.Index>)? {
        markers.compactMap { marker in text.range(of: marker).map { (marker, $0) } }
            .min { $0.1.lowerBound < $1.1.lowerBound }
    }

    /// How many characters at the end of `text` could begin one of `markers`.
    static func heldPrefixLength(_ markers: [String], of text: String) -> Int {
        var longest = 0
        for marker in markers {
            for length in stride(from: min(marker.count - 1, text.count), to: longest, by: -1)
            where text.hasSuffix(String(marker.prefix(length))) {
                longest = length
                break
            }
        }
        return longest
    }
}
