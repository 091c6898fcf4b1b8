/// Turns a stream of token ids into text as they arrive, holding back the bytes of a UTF-8
/// sequence that a token leaves unfinished (an emoji split across byte tokens, say).
///
/// The text returned over a whole stream, flush included, equals decoding the stream's bytes
/// at once. Unlike `Tokenizer.decode(_:skipSpecialTokens:)` it never drops a leading space:
/// generated tokens continue a prompt, as in llama.cpp's server.
public struct IncrementalDecoder: Sendable {
    private let tokenizer: any Tokenizer
    private let skipSpecialTokens: Bool
    /// Bytes received but not yet returned: at most an unfinished UTF-8 sequence.
    private var pending: [UInt8] = []

    /// A decoder for tokens of `tokenizer`; control tokens add nothing when `skipSpecialTokens` is true.
    public init(tokenizer: any Tokenizer, skipSpecialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one token and returns the text it completes; "" while a UTF-8 sequence is unfinished.
    public mutating func add(_ id: Int) -> String {
        pending.append(contentsOf: tokenizer.tokenBytes(id, skipSpecialTokens: skipSpecialTokens))
        let complete = Self.lengthOfCompletePrefix(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Adds several tokens and returns the text they complete.
    public mutating func add(_ ids: [Int]) -> String {
        ids.map { add($0) }.joined()
    }

    /// Returns what is held back, an unfinished sequence becoming U+FFFD, and empties the decoder.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes are held back waiting for the rest of a UTF-8 sequence.
    public var hasPendingBytes: Bool {
        !pending.isEmpty
    }

    /// The length of `bytes` without a trailing UTF-8 sequence that more bytes could still complete.
    ///
    /// Bytes that can never become valid are not held: they decode to U+FFFD at once.
    static func lengthOfCompletePrefix(_ bytes: [UInt8]) -> Int {
        // A sequence is at most 4 bytes, so only a lead byte among the last 3 can be unfinished.
        var start = bytes.count - 1
        while start >= 0 && start >= bytes.count - 3 {
            let byte = bytes[start]
            if byte & 0xC0 == 0x80 {
                start -= 1
                continue
            }
            let expected = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            let available = bytes.count - start
            if available < expected && isValidPrefix(bytes[start...]) {
                return start
            }
            return bytes.count
        }
        return bytes.count
    }

    /// Whether `sequence`, shorter than its lead byte announces, can still become a valid scalar.
    private static func isValidPrefix(_ sequence: ArraySlice<UInt8>) -> Bool {
        let lead = sequence[sequence.startIndex]
        guard (0xC2...0xF4).contains(lead) else { return false }
        guard sequence.count > 1 else { return true }
        let second = sequence[sequence.startIndex + 1]
        // The second byte's range excludes overlong forms, surrogates and values past U+10FFFF.
        switch lead {
        case 0xE0: return (0xA0...0xBF).contains(second)
        case 0xED: return (0x80...0x9F).contains(second)
        case 0xF0: return (0x90...0xBF).contains(second)
        case 0xF4: return (0x80...0x8F).contains(second)
        default: return (0x80...0xBF).contains(second)
        }
    }
}
