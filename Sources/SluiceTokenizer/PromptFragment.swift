/// A piece of prompt text after special tokens are cut out: either raw text for the model's
/// tokenizer or a special token already recognized.
enum PromptFragment: Equatable {
    /// A range of the prompt's UTF-8 bytes.
    case text(Range<Int>)
    /// A special token's id.
    case token(Int)
}

extension TokenTable {
    /// Cuts special tokens out of `utf8`, as llama.cpp's `tokenizer_st_partition` does.
    ///
    /// Special tokens are taken longest first; each one is cut wherever it occurs in the text
    /// fragments that remain. User-defined tokens are always cut; control and unknown tokens only
    /// when `parseSpecial` is true, and then never where they overlap one of `literalRanges`
    /// (the text of chat messages, which must not turn into control tokens).
    func fragments(of utf8: [UInt8], parseSpecial: Bool, literalRanges: [Range<Int>] = []) -> [PromptFragment] {
        guard !utf8.isEmpty else { return [] }
        var fragments: [PromptFragment] = [.text(0..<utf8.count)]
        for id in specialTokenIDs {
            let isControl = !attributes[id].isDisjoint(with: .hiddenWhenSkippingSpecial)
            if !parseSpecial && isControl {
                continue
            }
            let needle = bytes[id]
            guard fragments.contains(where: { if case .text = $0 { true } else { false } }) else { break }
            var next: [PromptFragment] = []
            next.reserveCapacity(fragments.count)
            for fragment in fragments {
                guard case .text(let range) = fragment else {
                    next.append(fragment)
                    continue
                }
                var start = range.lowerBound
                var searchStart = range.lowerBound
                while let match = Self.firstOccurrence(of: needle, in: utf8, within: searchStart..<range.upperBound) {
                    let matched = match..<(match + needle.count)
                    if isControl && literalRanges.contains(where: { $0.overlaps(matched) }) {
                        searchStart = match + 1
                        continue
                    }
                    if match > start {
                        next.append(.text(start..<match))
                    }
                    next.append(.token(id))
                    start = matched.upperBound
                    searchStart = start
                }
                if start < range.upperBound {
                    next.append(.text(start..<range.upperBound))
                }
            }
            fragments = next
        }
        return fragments
    }

    /// The start of the first occurrence of `needle` inside `bounds` of `haystack`, or nil.
    private static func firstOccurrence(of needle: [UInt8], in haystack: [UInt8], within bounds: Range<Int>) -> Int? {
        guard let first = needle.first, needle.count <= bounds.count else { return nil }
        let lastStart = bounds.upperBound - needle.count
        var position = bounds.lowerBound
        return haystack.withUnsafeBufferPointer { text in
            needle.withUnsafeBufferPointer { pattern in
                while position <= lastStart {
                    if text[position] == first {
                        var offset = 1
                        while offset < pattern.count && text[position + offset] == pattern[offset] {
                            offset += 1
                        }
                        if offset == pattern.count {
                            return position
                        }
                    }
                    position += 1
                }
                return nil
            }
        }
    }
}
