/// A tokenizer whose vocabulary facts and decoding come from a `TokenTable` and its `TokenPieces`;
/// the two BPE families differ only in how they encode.
protocol TableBackedTokenizer: Tokenizer {
    var table: TokenTable { get }
    var pieces: TokenPieces { get }
}

extension TableBackedTokenizer {
    var vocabularySize: Int { table.count }
    var bosTokenID: Int? { table.bosTokenID }
    var eosTokenID: Int? { table.eosTokenID }
    var endOfGenerationTokenIDs: Set<Int> { table.endOfGenerationTokenIDs }
    var addBOS: Bool { table.addBOS }

    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        pieces.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    func tokenBytes(_ id: Int, skipSpecialTokens: Bool) -> [UInt8] {
        pieces.bytes(id, skipSpecialTokens: skipSpecialTokens)
    }

    func tokenText(_ id: Int) -> String {
        table.contains(id) ? table.texts[id] : ""
    }
}
