/// Reads the calls that follow an opening, a character at a time, as ``CallBlockScanner`` does for JSON.
protocol CallRegionReader: Sendable {
    /// `.done` once the calls ended and the rest is content; `.failed` when the text is not such calls.
    var status: CallBlockScanner.Status { get }
    /// Whether the region could end here with every call it opened whole (between calls, or after the last).
    var isBetweenCalls: Bool { get }
    /// With `.done`: whether the calls ended just before the last character read, which is then content.
    var leftLastCharacter: Bool { get }
    /// Reads one character; the events it completes.
    mutating func read(_ c: Unicode.Scalar) -> [CallBlockScanner.Event]
}

extension CallRegionReader {
    var leftLastCharacter: Bool { false }
}

/// One JSON call object or array of them (Mistral's first form, and each of Llama 3's objects).
struct JSONCallReader: CallRegionReader {
    private var scanner = CallBlockScanner()

    var status: CallBlockScanner.Status { scanner.status }
    var isBetweenCalls: Bool { scanner.status == .done }

    mutating func read(_ c: Unicode.Scalar) -> [CallBlockScanner.Event] {
        var text = ""
        text.unicodeScalars.append(c)
        return scanner.feed(Substring(text)).events
    }
}
