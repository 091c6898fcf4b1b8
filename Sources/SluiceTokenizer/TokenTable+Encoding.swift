extension TokenTable {
    /// The steps every tokenizer shares, as in llama.cpp's `llama_vocab::impl::tokenize`: BOS,
    /// special tokens cut out of the text (control tokens not inside `literalRanges`), `tokenizeText` for each text fragment, then EOS.
    ///
    /// `tokenizeText` gets the fragment's UTF-8 bytes and whether it follows a special token or
    /// starts the text (SentencePiece adds its space prefix there).
    func encode(
        _ text: String,
        addSpecialTokens: Bool,
        parseSpecial: Bool,
        literalRanges: [Range<Int>] = [],
        tokenizeText: (ArraySlice<UInt8>, _ followsSpecialToken: Bool, inout [Int]) -> Void
    ) -> [Int] {
        let utf8 = Array(text.utf8)
        var output: [Int] = []
        if addSpecialTokens && addBOS, let bosTokenID {
            output.append(bosTokenID)
        }
        var followsSpecialToken = true
        for fragment in fragments(of: utf8, parseSpecial: parseSpecial, literalRanges: literalRanges) {
            switch fragment {
            case .text(let range):
                tokenizeText(utf8[range], followsSpecialToken, &output)
                followsSpecialToken = false
            case .token(let id):
                output.append(id)
                followsSpecialToken = true
            }
        }
        if addSpecialTokens && addEOS, let eosTokenID {
            output.append(eosTokenID)
        }
        return output
    }
}
