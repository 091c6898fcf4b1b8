/// The tokens matched whole in text before the model sees it (`tokenizer.json`'s `added_tokens`),
/// as `tokenizers`' `AddedVocabulary` matches them: leftmost first, the longest at a position, in
/// the raw text for tokens marked `normalized: false` and in the normalised text for the others.
struct AddedTokens: Sendable {
    /// One added token.
    struct Token: Sendable, Equatable {
        let id: Int
        let bytes: [UInt8]
        /// A special (control) token: matched only when special tokens are parsed.
        let special: Bool
    }

    /// Tokens matched in the raw text, by first byte, longest first.
    private let rawByFirstByte: [UInt8: [Token]]
    /// Tokens matched in the normalised text, by first byte, longest first.
    private let normalizedByFirstByte: [UInt8: [Token]]

    /// `raw` are matched before normalisation, `normalized` (their text already normalised) after.
    init(raw: [Token], normalized: [Token]) {
        func index(_ tokens: [Token]) -> [UInt8: [Token]] {
            var byFirst: [UInt8: [Token]] = [:]
            for token in tokens {
                guard let first = token.bytes.first else { continue }
                byFirst[first, default: []].append(token)
            }
            return byFirst.mapValues { $0.sorted { $0.bytes.count > $1.bytes.count } }
        }
        rawByFirstByte = index(raw)
        normalizedByFirstByte = index(normalized)
    }

    /// Cuts the raw tokens out of `utf8`; special ones only when `parseSpecial`, and never where they
    /// overlap one of `literalRanges`.
    func splitRaw(_ utf8: [UInt8], parseSpecial: Bool, literalRanges: [Range<Int>]) -> [PromptFragment] {
        Self.split(utf8, by: rawByFirstByte, parseSpecial: parseSpecial, literalRanges: literalRanges)
    }

    /// Cuts the normalised tokens out of normalised text.
    func splitNormalized(_ utf8: [UInt8], parseSpecial: Bool) -> [PromptFragment] {
        Self.split(utf8, by: normalizedByFirstByte, parseSpecial: parseSpecial, literalRanges: [])
    }

    var hasNormalizedTokens: Bool { !normalizedByFirstByte.isEmpty }

    private static func split(_ utf8: [UInt8], by tokens: [UInt8: [Token]], parseSpecial: Bool,
                              literalRanges: [Range<Int>]) -> [PromptFragment] {
        guard !utf8.isEmpty else { return [] }
        guard !tokens.isEmpty else { return [.text(0..<utf8.count)] }
        var fragments: [PromptFragment] = []
        var textStart = 0
        var position = 0
        while position < utf8.count {
            let match = tokens[utf8[position]]?.first { token in
                guard !token.special || parseSpecial, position + token.bytes.count <= utf8.count,
                      utf8[position..<position + token.bytes.count].elementsEqual(token.bytes) else { return false }
                let range = position..<position + token.bytes.count
                return !token.special || !literalRanges.contains { $0.overlaps(range) }
            }
            guard let match else {
                position += 1
                continue
            }
            if textStart < position { fragments.append(.text(textStart..<position)) }
            fragments.append(.token(match.id))
            position += match.bytes.count
            textStart = position
        }
        if textStart < utf8.count { fragments.append(.text(textStart..<utf8.count)) }
        return fragments
    }
}
