/// BERT's WordPiece tokenizer, as Hugging Face's `tokenizers` runs it: added tokens cut out of the
/// text, BERT's normaliser, BERT's pre-tokenizer, WordPiece on each word, then `[CLS] … [SEP]`
/// around the whole when special tokens are added.
///
/// Built from `tokenizer.json` (`init(tokenizerJSON:)`) or from a GGUF vocabulary whose
/// `tokenizer.ggml.model` is "bert" (`init(vocabulary:)`); both give the ids `tokenizers` gives.
/// Decoding joins pieces as `tokenizers`' WordPiece decoder does — a space before each word-initial
/// piece, `##` pieces glued on — without its clean-up of spaces before punctuation, so that
/// `decode` agrees with `tokenBytes`.
public struct WordPieceTokenizer: Tokenizer {
    let normalizer: BertNormalizer?
    /// Whether BERT's pre-tokenizer splits the text into words; without it the text is one word.
    let splitsWords: Bool
    let model: WordPieceModel
    let addedTokens: AddedTokens
    /// The post-processor's tokens before and after the text.
    let prefixTokenIDs: [Int]
    let suffixTokenIDs: [Int]
    /// Each token's vocabulary text, by id.
    let texts: [String]
    /// Each token's decoded bytes, by id.
    let pieces: [[UInt8]]
    /// Whether each token is special (decoded to nothing when special tokens are skipped).
    let special: [Bool]

    public let bosTokenID: Int?
    public let eosTokenID: Int?
    public var vocabularySize: Int { texts.count }
    /// An encoder generates nothing; the separator ends a sequence all the same.
    public var endOfGenerationTokenIDs: Set<Int> { eosTokenID.map { [$0] } ?? [] }
    public var addBOS: Bool { !prefixTokenIDs.isEmpty }

    /// One vocabulary entry as the builders hand it over.
    struct Entry {
        let text: String
        let id: Int
    }

    /// One added token, before its text is normalised.
    struct Added {
        let id: Int
        let text: String
        let special: Bool
        let normalized: Bool
    }

    /// Checks that the ids are dense and the unknown token exists, and derives the tables.
    init(vocabulary: [Entry], unknownToken: String, continuingSubwordPrefix: String, maxInputCharactersPerWord: Int,
         normalizer: BertNormalizer?, splitsWords: Bool, added: [Added], prefixTokenIDs: [Int], suffixTokenIDs: [Int],
         bosTokenID: Int?, eosTokenID: Int?) throws(TokenizerError) {
        let count = (vocabulary.map(\.id) + added.map(\.id)).max().map { $0 + 1 } ?? 0
        guard count > 0 else { throw .inconsistentMetadata("the vocabulary is empty") }
        var texts = [String?](repeating: nil, count: count)
        var idsByBytes: [[UInt8]: Int] = [:]
        idsByBytes.reserveCapacity(vocabulary.count)
        for entry in vocabulary {
            guard entry.id >= 0 else { throw .inconsistentMetadata("token \"\(entry.text)\" has a negative id \(entry.id)") }
            if let other = idsByBytes.updateValue(entry.id, forKey: Array(entry.text.utf8)), other != entry.id {
                throw .inconsistentMetadata("duplicate token \"\(entry.text)\" has ids \(other) and \(entry.id)")
            }
            texts[entry.id] = entry.text
        }
        for token in added {
            guard token.id >= 0 else { throw .inconsistentMetadata("added token \"\(token.text)\" has a negative id \(token.id)") }
            if let text = texts[token.id], text != token.text {
                throw .inconsistentMetadata("added token \"\(token.text)\" has id \(token.id), which the vocabulary gives \"\(text)\"")
            }
            texts[token.id] = token.text
        }
        if let hole = texts.firstIndex(where: { $0 == nil }) {
            throw .inconsistentMetadata("no token has id \(hole), below the largest id \(count - 1)")
        }
        guard let unknownTokenID = idsByBytes[Array(unknownToken.utf8)] else { throw .missingUnknownToken(unknownToken) }
        for id in prefixTokenIDs + suffixTokenIDs where !(0..<count).contains(id) {
            throw .inconsistentMetadata("the post-processor adds token \(id), outside the vocabulary of \(count)")
        }

        let prefixBytes = Array(continuingSubwordPrefix.utf8)
        let specialIDs = Set(added.filter(\.special).map(\.id))
        let addedIDs = Set(added.map(\.id))
        self.texts = texts.map { $0! }
        self.special = (0..<count).map { specialIDs.contains($0) }
        self.pieces = self.texts.enumerated().map { id, text in
            let bytes = Array(text.utf8)
            if !addedIDs.contains(id) && !prefixBytes.isEmpty && bytes.starts(with: prefixBytes) {
                return Array(bytes.dropFirst(prefixBytes.count))
            }
            return [UInt8(ascii: " ")] + bytes
        }
        self.model = WordPieceModel(idsByBytes: idsByBytes, unknownTokenID: unknownTokenID,
                                    continuingSubwordPrefix: prefixBytes, maxInputCharactersPerWord: maxInputCharactersPerWord)
        self.normalizer = normalizer
        self.splitsWords = splitsWords
        func token(_ added: Added, normalize: Bool) -> AddedTokens.Token {
            let text = normalize ? Self.string(normalizer?.normalize(Array(added.text.unicodeScalars)) ?? Array(added.text.unicodeScalars))
                                 : added.text
            return AddedTokens.Token(id: added.id, bytes: Array(text.utf8), special: added.special)
        }
        self.addedTokens = AddedTokens(raw: added.filter { !$0.normalized }.map { token($0, normalize: false) },
                                       normalized: added.filter(\.normalized).map { token($0, normalize: true) })
        self.prefixTokenIDs = prefixTokenIDs
        self.suffixTokenIDs = suffixTokenIDs
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
    }

    public func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool) -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: parseSpecial, literalRanges: [])
    }

    public func encode(_ text: String, addSpecialTokens: Bool, literalRanges: [Range<Int>]) -> [Int] {
        encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true, literalRanges: literalRanges)
    }

    private func encode(_ text: String, addSpecialTokens: Bool, parseSpecial: Bool, literalRanges: [Range<Int>]) -> [Int] {
        let utf8 = Array(text.utf8)
        var output = addSpecialTokens ? prefixTokenIDs : []
        for fragment in addedTokens.splitRaw(utf8, parseSpecial: parseSpecial, literalRanges: literalRanges) {
            switch fragment {
            case .token(let id):
                output.append(id)
            case .text(let range):
                let scalars = Array(String(decoding: utf8[range], as: UTF8.self).unicodeScalars)
                let normalized = normalizer?.normalize(scalars) ?? scalars
                guard addedTokens.hasNormalizedTokens else {
                    tokenizeWords(normalized[...], into: &output)
                    continue
                }
                let normalizedUTF8 = Array(Self.string(normalized).utf8)
                for piece in addedTokens.splitNormalized(normalizedUTF8, parseSpecial: parseSpecial) {
                    switch piece {
                    case .token(let id): output.append(id)
                    case .text(let range):
                        tokenizeWords(Array(String(decoding: normalizedUTF8[range], as: UTF8.self).unicodeScalars)[...], into: &output)
                    }
                }
            }
        }
        if addSpecialTokens { output += suffixTokenIDs }
        return output
    }

    private func tokenizeWords(_ text: ArraySlice<Unicode.Scalar>, into output: inout [Int]) {
        guard splitsWords else {
            if !text.isEmpty { model.tokenize(text, into: &output) }
            return
        }
        let scalars = Array(text)
        for word in BertPreTokenizer.split(scalars) {
            model.tokenize(scalars[word], into: &output)
        }
    }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var text: [UInt8] = []
        for id in ids {
            let piece = tokenBytes(id, skipSpecialTokens: skipSpecialTokens)
            // The first word of the text has no space before it.
            text.append(contentsOf: text.isEmpty && piece.first == UInt8(ascii: " ") ? piece.dropFirst() : piece[...])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public func tokenBytes(_ id: Int, skipSpecialTokens: Bool) -> [UInt8] {
        guard id >= 0 && id < pieces.count else { return [] }
        return skipSpecialTokens && special[id] ? [] : pieces[id]
    }

    public func tokenText(_ id: Int) -> String {
        id >= 0 && id < texts.count ? texts[id] : ""
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
