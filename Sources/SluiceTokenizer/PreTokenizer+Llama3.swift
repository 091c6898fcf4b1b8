extension PreTokenizer {
    /// Splits `bounds` of `text` as the Llama 3 regex does:
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    ///
    /// Qwen2's regex is the same with `\p{N}` in place of `\p{N}{1,3}`: `maxDigits` is 3 or 1.
    /// A hand-written scanner following the order of tests in llama.cpp's
    /// `unicode_regex_split_custom_llama3`.
    static func splitLlama3(_ text: ScalarText, _ bounds: Range<Int>, maxDigits: Int, into words: inout [Range<Int>]) {
        var cuts = WordCuts(start: bounds.lowerBound)
        var position = bounds.lowerBound
        while position < bounds.upperBound {
            let value = text.scalars[position].value
            let scalarClass = text.classes[position]
            if value == apostrophe, let length = contractionLength(text, after: position, within: bounds, ignoringCase: true) {
                position += cuts.cut(at: position + length)
                continue
            }

            // `[^\r\n\p{L}\p{N}]?\p{L}+`: any one non-newline, non-number scalar may lead a run of letters.
            if value != carriageReturn && value != lineFeed && scalarClass != .number
                && (scalarClass == .letter || text.classAt(position + 1, within: bounds) == .letter) {
                position += 1
                while text.classAt(position, within: bounds) == .letter {
                    position += 1
                }
                cuts.cut(at: position)
                continue
            }

            // `\p{N}{1,maxDigits}`: a run of numbers in chunks from its start.
            if scalarClass == .number {
                var chunkStart = position
                while text.classAt(position, within: bounds) == .number {
                    position += 1
                    if position - chunkStart >= maxDigits {
                        cuts.cut(at: position)
                        chunkStart = position
                    }
                }
                cuts.cut(at: position)
                continue
            }

            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let leadingSpace = value == space ? 1 : 0
            if text.classAt(position + leadingSpace, within: bounds) == .other {
                position += leadingSpace
                while text.classAt(position, within: bounds) == .other {
                    position += 1
                }
                while let next = text.valueAt(position, within: bounds), next == carriageReturn || next == lineFeed {
                    position += 1
                }
                cuts.cut(at: position)
                continue
            }

            // `\s*[\r\n]+`: whitespace up to and including the last newline of the run.
            var count = 0
            var endOfLastNewline: Int?
            while text.classAt(position + count, within: bounds) == .whitespace {
                let next = text.scalars[position + count].value
                if next == carriageReturn || next == lineFeed {
                    endOfLastNewline = position + count + 1
                }
                count += 1
            }
            if let endOfLastNewline {
                position = endOfLastNewline
                cuts.cut(at: position)
                continue
            }

            position = endOfWhitespace(text, from: position, within: bounds, cuts: &cuts)
        }
        words.append(contentsOf: cuts.words)
    }
}
