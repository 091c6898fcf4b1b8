/// What kind of token a vocabulary entry is, as a set so that a token can gain a kind
/// (llama.cpp marks end-of-generation tokens found by their text as control tokens).
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt8

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    static let normal = TokenAttributes(rawValue: 1 << 0)
    static let unknown = TokenAttributes(rawValue: 1 << 1)
    static let control = TokenAttributes(rawValue: 1 << 2)
    static let userDefined = TokenAttributes(rawValue: 1 << 3)
    static let unused = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)

    /// The attributes of a GGUF `tokenizer.ggml.token_type` value; unknown values give none.
    init(tokenType: Int) {
        switch tokenType {
        case 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = []
        }
    }

    /// Tokens that are hidden from decoded text unless special tokens are rendered.
    static let hiddenWhenSkippingSpecial: TokenAttributes = [.control, .unknown]
    /// Tokens matched in the prompt text before the model tokenizes the rest.
    static let special: TokenAttributes = [.control, .userDefined, .unknown]
}
