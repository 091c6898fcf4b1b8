/// The character classes the BPE pre-tokenizer regexes test: `\p{L}`, `\p{N}`, `\s`, and everything else.
///
/// `\s` is the Unicode White_Space property, as in llama.cpp's `unicode_set_whitespace`.
enum ScalarClass: UInt8, Sendable {
    case letter
    case number
    case whitespace
    case other
    /// Past either end of the fragment being scanned: matches no class.
    case outside

    init(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        if value < 0x80 {
            switch value {
            case 0x41...0x5A, 0x61...0x7A: self = .letter
            case 0x30...0x39: self = .number
            case 0x09...0x0D, 0x20: self = .whitespace
            default: self = .other
            }
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace {
            self = .whitespace
            return
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        default:
            self = .other
        }
    }

    /// Whether the scalar is in Unicode's punctuation category `\p{P}`.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            true
        default:
            false
        }
    }
}

/// The scalars of one text fragment with their classes, read by the pre-tokenizer scanners.
struct ScalarText {
    let scalars: [Unicode.Scalar]
    let classes: [ScalarClass]

    init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
        self.classes = scalars.map(ScalarClass.init)
    }

    /// The class at `position`, or `.outside` when it is not inside `bounds`.
    @inline(__always)
    func classAt(_ position: Int, within bounds: Range<Int>) -> ScalarClass {
        bounds.contains(position) ? classes[position] : .outside
    }

    /// The scalar value at `position`, or nil when it is not inside `bounds`.
    @inline(__always)
    func valueAt(_ position: Int, within bounds: Range<Int>) -> UInt32? {
        bounds.contains(position) ? scalars[position].value : nil
    }
}
