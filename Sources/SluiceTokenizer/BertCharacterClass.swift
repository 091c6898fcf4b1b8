/// The character classes of BERT's normaliser and pre-tokenizer, as Hugging Face's `tokenizers`
/// defines them (`normalizers/bert.rs`, `pre_tokenizers/bert.rs`).
///
/// `tokenizers` takes general categories from the `unicode_categories` crate, whose tables are
/// Unicode 8.0's: a character assigned since then is unassigned to it, so it is neither a control
/// character, nor punctuation, nor a nonspacing mark there. The checks below follow that by a
/// scalar's age, and list the two characters whose category has changed since (measured against
/// `tokenizers` 0.23 over every code point by `scripts/make_wordpiece_fixtures.py`'s probe).
/// Whitespace and lower-casing come from Rust's own tables, which are current, as Swift's are.
enum BertCharacterClass {
    /// Rust's `char::is_whitespace` (the White_Space property), which counts tab, newline and
    /// carriage return too.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// What clean-up drops: control, format and private-use characters (categories Cc, Cf, Co),
    /// but not tab, newline or carriage return, which count as whitespace.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        default:
            guard inUnicode8(scalar) else { return false }
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// Each ASCII symbol (`!"#$%&'()*+,-./:;<=>?@[\]^_\`{|}~`, so `$`, `+`, `<`, `^` … too) and every
    /// character of a punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
                || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value)
        }
        if punctuationInUnicode8.contains(value) { return true }
        guard inUnicode8(scalar) else { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// A nonspacing mark (Mn), which stripping accents drops after NFD.
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        inUnicode8(scalar) && !punctuationInUnicode8.contains(scalar.value)
            && scalar.properties.generalCategory == .nonspacingMark
    }

    /// The CJK ideograph blocks that BERT surrounds with spaces, as `tokenizers` lists them (its
    /// Extension C–D range starts at U+2B920, not BERT's U+2B820).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// U+166D CANADIAN SYLLABICS CHI SIGN and U+111C9 SHARADA SANDHI MARK were punctuation (Po) in
    /// Unicode 8.0; they are a symbol and a mark now.
    private static let punctuationInUnicode8: Set<UInt32> = [0x166D, 0x111C9]

    /// Whether the scalar was assigned by Unicode 8.0.
    private static func inUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }
}
