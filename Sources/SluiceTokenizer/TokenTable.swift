/// A vocabulary resolved as llama.cpp's `llama_vocab::load` resolves it: token ids checked,
/// defaults applied, special and end-of-generation tokens found.
///
/// Token strings are compared by their UTF-8 bytes, never by Swift's `String` equality, which
/// would equate canonically equivalent but different tokens.
struct TokenTable: Sendable {
    /// The tokenizer families, which differ in defaults.
    enum Family: Sendable {
        case bytePair
        case sentencePiece
    }

    let texts: [String]
    let bytes: [[UInt8]]
    let idsByBytes: [[UInt8]: Int]
    let attributes: [TokenAttributes]
    let scores: [Float]
    let bosTokenID: Int?
    let eosTokenID: Int?
    let unknownTokenID: Int?
    let addBOS: Bool
    let addEOS: Bool
    let addSpacePrefix: Bool
    let endOfGenerationTokenIDs: Set<Int>
    /// Control, user-defined and unknown tokens, longest first: matched in prompt text in this order.
    let specialTokenIDs: [Int]

    var count: Int { texts.count }

    init(vocabulary: TokenizerVocabulary, family: Family, addsBOSByDefault: Bool) throws {
        let count = vocabulary.tokens.count
        guard count > 0 else {
            throw TokenizerError.inconsistentMetadata("tokenizer.ggml.tokens is empty")
        }
        if !vocabulary.tokenTypes.isEmpty && vocabulary.tokenTypes.count < count {
            throw TokenizerError.inconsistentMetadata(
                "tokenizer.ggml.token_type has \(vocabulary.tokenTypes.count) entries for \(count) tokens")
        }
        if !vocabulary.scores.isEmpty && vocabulary.scores.count < count {
            throw TokenizerError.inconsistentMetadata(
                "tokenizer.ggml.scores has \(vocabulary.scores.count) entries for \(count) tokens")
        }

        var texts: [String] = []
        var bytes: [[UInt8]] = []
        var idsByBytes: [[UInt8]: Int] = [:]
        texts.reserveCapacity(count)
        bytes.reserveCapacity(count)
        idsByBytes.reserveCapacity(count)
        for (id, token) in vocabulary.tokens.enumerated() {
            // llama.cpp reads GGUF strings as C strings: a NUL ends the token, and an empty token is renamed.
            let prefix = Self.prefixBeforeNUL(token)
            let text = prefix.isEmpty ? "[EMPTY_\(id)]" : prefix
            let utf8 = Array(text.utf8)
            if let other = idsByBytes.updateValue(id, forKey: utf8) {
                throw TokenizerError.inconsistentMetadata("duplicate token \"\(text)\" has ids \(other) and \(id)")
            }
            texts.append(text)
            bytes.append(utf8)
        }
        var attributes = vocabulary.tokenTypes.isEmpty
            ? [TokenAttributes](repeating: .normal, count: count)
            : vocabulary.tokenTypes.prefix(count).map(TokenAttributes.init(tokenType:))

        func checked(_ id: Int?, default fallback: Int?) -> Int? {
            let fallback = fallback.flatMap { (0..<count).contains($0) ? $0 : nil }
            guard let id, (0..<count).contains(id) else { return fallback }
            return id
        }
        switch family {
        case .sentencePiece:
            bosTokenID = checked(vocabulary.bosTokenID, default: 1)
            eosTokenID = checked(vocabulary.eosTokenID, default: 2)
            unknownTokenID = checked(vocabulary.unknownTokenID, default: 0)
            addBOS = vocabulary.addBOS ?? true
            addSpacePrefix = vocabulary.addSpacePrefix ?? true
        case .bytePair:
            bosTokenID = checked(vocabulary.bosTokenID, default: 11)
            eosTokenID = checked(vocabulary.eosTokenID, default: 11)
            unknownTokenID = checked(vocabulary.unknownTokenID, default: nil)
            addBOS = vocabulary.addBOS ?? addsBOSByDefault
            addSpacePrefix = vocabulary.addSpacePrefix ?? false
        }
        addEOS = vocabulary.addEOS ?? false
        if addBOS && bosTokenID == nil {
            throw TokenizerError.inconsistentMetadata("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set")
        }
        if addEOS && eosTokenID == nil {
            throw TokenizerError.inconsistentMetadata("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set")
        }

        let endOfGeneration = SpecialTokenDetection.endOfGenerationTokenIDs(
            idsByText: idsByBytes,
            attributes: &attributes,
            endOfTurnTokenID: checked(vocabulary.endOfTurnTokenID, default: nil),
            endOfMessageTokenID: checked(vocabulary.endOfMessageTokenID, default: nil),
            eosTokenID: eosTokenID)

        self.texts = texts
        self.bytes = bytes
        self.idsByBytes = idsByBytes
        self.attributes = attributes
        self.scores = vocabulary.scores.isEmpty ? [Float](repeating: 0, count: count) : Array(vocabulary.scores.prefix(count))
        self.endOfGenerationTokenIDs = endOfGeneration
        self.specialTokenIDs = (0..<count)
            .filter { !attributes[$0].isDisjoint(with: .special) }
            .sorted { bytes[$0].count != bytes[$1].count ? bytes[$0].count > bytes[$1].count : $0 < $1 }
    }

    /// `text` up to its first NUL character, as a C string reads it.
    static func prefixBeforeNUL(_ text: String) -> String {
        guard let nul = text.utf8.firstIndex(of: 0) else { return text }
        return String(text[..<nul])
    }

    /// The id of the token whose text is exactly `utf8`, or nil.
    @inline(__always)
    func id(of utf8: [UInt8]) -> Int? {
        idsByBytes[utf8]
    }

    /// Whether `id` names a token of this vocabulary.
    @inline(__always)
    func contains(_ id: Int) -> Bool {
        id >= 0 && id < texts.count
    }
}
