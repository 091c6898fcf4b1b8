/// BERT's pre-tokenizer (`tokenizer.json`'s `"BertPreTokenizer"`): words end at whitespace, which
/// is dropped, and every punctuation character is a word of its own.
enum BertPreTokenizer {
    /// The words of `text`, as ranges of it.
    static func split(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var start = 0
        for (index, scalar) in text.enumerated() {
            if BertCharacterClass.isWhitespace(scalar) {
                if start < index { words.append(start..<index) }
                start = index + 1
            } else if BertCharacterClass.isPunctuation(scalar) {
                if start < index { words.append(start..<index) }
                words.append(index..<index + 1)
                start = index + 1
            }
        }
        if start < text.count { words.append(start..<text.count) }
        return words
    }
}
