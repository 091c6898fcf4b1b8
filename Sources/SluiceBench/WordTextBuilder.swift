import SluiceTokenizer

/// Builds text of an exact number of tokens out of random whole words.
///
/// vLLM's random dataset decodes random token ids, whose text often tokenizes back to a different
/// length. Here the words are vocabulary tokens that are a space plus lowercase letters, which
/// tokenize back to one token each; the count of the whole text is then checked and words are added
/// or removed until it is exact.
public struct WordTextBuilder: Sendable {
    private let tokenizer: any Tokenizer
    /// Words that are single tokens when they follow a space.
    private let words: [String]

    public init(tokenizer: any Tokenizer) throws(BenchError) {
        self.tokenizer = tokenizer
        var words: [String] = []
        for id in 0..<tokenizer.vocabularySize {
            let bytes = tokenizer.tokenBytes(id, skipSpecialTokens: true)
            guard (4...12).contains(bytes.count), bytes[0] == UInt8(ascii: " "),
                  bytes.dropFirst().allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) else { continue }
            words.append(String(decoding: bytes.dropFirst(), as: UTF8.self))
        }
        guard words.count >= 100 else {
            throw .promptLength("the tokenizer has only \(words.count) whole-word tokens; random prompts need at least 100")
        }
        self.words = words
    }

    /// Counts the tokens of `text` as a server counts a prompt's own text: no BOS, no special tokens.
    public func countTokens(_ text: String) -> Int {
        tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false).count
    }

    /// Random words making exactly `count` tokens.
    public func text(tokens count: Int, random: inout BenchRandom) throws(BenchError) -> String {
        guard count > 0 else { return "" }
        var chosen = (0..<count).map { _ in words[Int(random.next() % UInt64(words.count))] }
        // The first word has no space before it and may split in two; each round moves one word.
        for _ in 0..<(count + 64) {
            let text = chosen.joined(separator: " ")
            let length = countTokens(text)
            if length == count { return text }
            if length < count {
                chosen.append(words[Int(random.next() % UInt64(words.count))])
            } else if chosen.count > 1 {
                chosen.removeLast()
            } else {
                chosen[0] = words[Int(random.next() % UInt64(words.count))]
            }
        }
        throw .promptLength("could not build a prompt of exactly \(count) tokens from whole words")
    }
}
