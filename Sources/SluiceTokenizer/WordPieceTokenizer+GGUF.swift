extension WordPieceTokenizer {
    /// U+2581, which llama.cpp's converter puts before each word-initial piece.
    static let wordInitialMarker: Unicode.Scalar = "\u{2581}"

    /// The tokenizer of a GGUF vocabulary whose `tokenizer.ggml.model` is "bert".
    ///
    /// llama.cpp's converter (`convert_hf_to_gguf.py`, `BertModel.set_vocab`) rewrites WordPiece
    /// tokens for its `llm_tokenizer_wpm`: a word-initial piece gets a U+2581 prefix, a `##`
    /// continuation loses its `##`, and bracketed tokens (`[CLS]`, `[unused0]`) stay as they are.
    /// This undoes that, so the vocabulary is the `tokenizer.json` one again and the text is
    /// tokenized as `tokenizers` does it. Control tokens (type 3) are the special added tokens;
    /// user-defined ones (type 4) are matched in the raw text too. The normaliser is BERT's uncased
    /// one, which is what llama.cpp's WPM tokenizer applies to every BERT vocabulary.
    init(vocabulary: TokenizerVocabulary) throws(TokenizerError) {
        let types = vocabulary.tokenTypes
        if !types.isEmpty && types.count < vocabulary.tokens.count {
            throw .inconsistentMetadata("tokenizer.ggml.token_type has \(types.count) entries for \(vocabulary.tokens.count) tokens")
        }
        var entries: [Entry] = []
        var added: [Added] = []
        entries.reserveCapacity(vocabulary.tokens.count)
        for (id, token) in vocabulary.tokens.enumerated() {
            let type = types.isEmpty ? 1 : types[id]
            // By scalars, not Characters: "▁" followed by a combining mark (▁ो) is one Character.
            let scalars = token.unicodeScalars
            let text: String
            if type == 3 || type == 4 {
                text = token
                added.append(Added(id: id, text: token, special: type == 3, normalized: false))
            } else if scalars.first == Self.wordInitialMarker {
                text = String(String.UnicodeScalarView(scalars.dropFirst()))
            } else if scalars.first == "[" && scalars.last == "]" {
                text = token
            } else {
                text = "##" + token
            }
            entries.append(Entry(text: text, id: id))
        }
        let count = vocabulary.tokens.count
        func valid(_ id: Int?) -> Int? { id.flatMap { (0..<count).contains($0) ? $0 : nil } }
        func named(_ text: String) -> Int? { entries.first { $0.text == text }?.id }
        let unknown = valid(vocabulary.unknownTokenID).map { entries[$0].text } ?? "[UNK]"
        let classifier = valid(vocabulary.bosTokenID) ?? named("[CLS]")
        let separator = valid(vocabulary.separatorTokenID) ?? valid(vocabulary.eosTokenID) ?? named("[SEP]")
        // llama.cpp adds both unless the metadata says otherwise.
        let prefix = vocabulary.addBOS == false ? [] : classifier.map { [$0] } ?? []
        let suffix = vocabulary.addSEP == false ? [] : separator.map { [$0] } ?? []
        try self.init(
            vocabulary: entries, unknownToken: unknown, continuingSubwordPrefix: "##", maxInputCharactersPerWord: 100,
            normalizer: BertNormalizer(), splitsWords: true, added: added,
            prefixTokenIDs: prefix, suffixTokenIDs: suffix, bosTokenID: classifier, eosTokenID: separator)
    }
}
