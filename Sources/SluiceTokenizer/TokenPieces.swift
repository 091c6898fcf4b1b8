/// The bytes each token contributes to decoded text, computed once per vocabulary as llama.cpp's
/// `cache_token_to_piece` is.
struct TokenPieces: Sendable {
    /// Each token's bytes with special tokens rendered.
    private let rendered: [[UInt8]]
    /// Whether each token is hidden when special tokens are skipped (control and unknown tokens).
    private let hiddenWhenSkipping: [Bool]
    /// Whether decoding drops one leading space of the first token (SentencePiece's space prefix).
    private let stripsLeadingSpace: Bool

    /// Pieces for `table`, where `normalPiece` gives the bytes of a normal token from its text.
    ///
    /// Control, unknown and user-defined tokens are their raw text; byte tokens `<0xXX>` are one
    /// byte; unused and undefined tokens are nothing.
    init(table: TokenTable, normalPiece: (String) -> [UInt8]) {
        var rendered: [[UInt8]] = []
        rendered.reserveCapacity(table.count)
        for id in 0..<table.count {
            let attributes = table.attributes[id]
            if !attributes.isDisjoint(with: .special) {
                rendered.append(table.bytes[id])
            } else if attributes.contains(.normal) {
                rendered.append(normalPiece(table.texts[id]))
            } else if attributes.contains(.byte) {
                rendered.append([Self.byteValue(ofByteToken: table.bytes[id])])
            } else {
                rendered.append([])
            }
        }
        self.rendered = rendered
        self.hiddenWhenSkipping = table.attributes.map { !$0.isDisjoint(with: .hiddenWhenSkippingSpecial) }
        self.stripsLeadingSpace = table.addSpacePrefix
    }

    /// The bytes of token `id`; empty for ids outside the vocabulary.
    func bytes(_ id: Int, skipSpecialTokens: Bool) -> [UInt8] {
        guard id >= 0 && id < rendered.count else { return [] }
        return skipSpecialTokens && hiddenWhenSkipping[id] ? [] : rendered[id]
    }

    /// The text of a whole sequence, as `Tokenizer.decode(_:skipSpecialTokens:)` documents.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var text: [UInt8] = []
        for (index, id) in ids.enumerated() {
            let piece = bytes(id, skipSpecialTokens: skipSpecialTokens)
            if index == 0 && stripsLeadingSpace && piece.first == UInt8(ascii: " ") {
                text.append(contentsOf: piece.dropFirst())
            } else {
                text.append(contentsOf: piece)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The byte of a `<0xXX>` token: the two characters after `<0x` read as hexadecimal, as
    /// llama.cpp reads them (a malformed digit ends the number).
    static func byteValue(ofByteToken text: [UInt8]) -> UInt8 {
        var value: UInt8 = 0
        for character in text.dropFirst(3).prefix(2) {
            guard let digit = hexDigit(character) else { break }
            value = value &* 16 &+ digit
        }
        return value
    }

    private static func hexDigit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
