/// Collects the words a scanner cuts from one fragment: each cut ends the word that began
/// at the previous cut, and empty words are dropped.
struct WordCuts {
    private(set) var words: [Range<Int>] = []
    private var previousEnd: Int

    init(start: Int) {
        previousEnd = start
    }

    /// Ends the current word at `end`; returns its length.
    @discardableResult
    mutating func cut(at end: Int) -> Int {
        let length = end - previousEnd
        if length > 0 {
            words.append(previousEnd..<end)
        }
        previousEnd = end
        return length
    }
}

extension PreTokenizer {
    /// Splits `bounds` of `text` as GPT-2's regex does:
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    ///
    /// A hand-written scanner with the regex's leftmost-alternative semantics, following the
    /// order of tests in llama.cpp's `unicode_regex_split_custom_gpt2`.
    static func splitGPT2(_ text: ScalarText, _ bounds: Range<Int>, into words: inout [Range<Int>]) {
        var cuts = WordCuts(start: bounds.lowerBound)
        var position = bounds.lowerBound
        while position < bounds.upperBound {
            let value = text.scalars[position].value
            if value == apostrophe, let length = contractionLength(text, after: position, within: bounds, ignoringCase: false) {
                position += cuts.cut(at: position + length)
                continue
            }

            // ` ?\p{L}+`, ` ?\p{N}+` and ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
            let leadingSpace = value == space ? 1 : 0
            let runClass = text.classAt(position + leadingSpace, within: bounds)
            if runClass == .letter || runClass == .number || runClass == .other {
                position += leadingSpace
                while text.classAt(position, within: bounds) == runClass {
                    position += 1
                }
                cuts.cut(at: position)
                continue
            }

            position = endOfWhitespace(text, from: position, within: bounds, cuts: &cuts)
        }
        words.append(contentsOf: cuts.words)
    }

    /// Matches `\s+(?!\S)|\s+` at `position` and cuts the match; returns where scanning resumes.
    ///
    /// A run of whitespace followed by more text leaves its last scalar to start the next word
    /// (so " word" keeps its space); at the end of the fragment the whole run is one word.
    static func endOfWhitespace(_ text: ScalarText, from position: Int, within bounds: Range<Int>, cuts: inout WordCuts) -> Int {
        var count = 0
        while text.classAt(position + count, within: bounds) == .whitespace {
            count += 1
        }
        if count > 1 && position + count < bounds.upperBound {
            cuts.cut(at: position + count - 1)
            return position + count - 1
        }
        if count > 0 {
            cuts.cut(at: position + count)
            return position + count
        }
        // No alternative matches: the scalar is a word by itself.
        cuts.cut(at: position + 1)
        return position + 1
    }

    /// The length of the contraction `'s|'t|'re|'ve|'m|'ll|'d` starting with the apostrophe at
    /// `position`, or nil; Llama 3's regex matches the letters in either case.
    static func contractionLength(_ text: ScalarText, after position: Int, within bounds: Range<Int>, ignoringCase: Bool) -> Int? {
        func letter(_ offset: Int) -> UInt32? {
            guard let value = text.valueAt(position + offset, within: bounds) else { return nil }
            // Only ASCII letters lower-case onto the ASCII letters of the contractions.
            return ignoringCase && (0x41...0x5A).contains(value) ? value + 0x20 : value
        }
        guard let first = letter(1) else { return nil }
        switch first {
        case ascii("s"), ascii("t"), ascii("m"), ascii("d"):
            return 2
        default:
            break
        }
        guard let second = letter(2) else { return nil }
        switch (first, second) {
        case (ascii("r"), ascii("e")), (ascii("v"), ascii("e")), (ascii("l"), ascii("l")):
            return 3
        default:
            return nil
        }
    }

    static let apostrophe = ascii("'")
    static let space = ascii(" ")
    static let carriageReturn = ascii("\r")
    static let lineFeed = ascii("\n")

    static func ascii(_ character: Unicode.Scalar) -> UInt32 {
        character.value
    }
}
