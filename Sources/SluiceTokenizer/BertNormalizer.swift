import Foundation

/// BERT's normaliser (`tokenizer.json`'s `"BertNormalizer"`), in `tokenizers`' order: clean the
/// text, space out CJK ideographs, strip accents, lower-case.
struct BertNormalizer: Sendable, Equatable {
    /// Drop control characters, NUL and U+FFFD; turn every whitespace character into a space.
    var cleanText = true
    /// Put a space on each side of every CJK ideograph, so each becomes a word of its own.
    var handleChineseCharacters = true
    /// Decompose (NFD) and drop nonspacing marks. `tokenizer.json`'s null means "as `lowercase`".
    var stripAccents = true
    /// Lower-case each character by its full Unicode mapping, one character at a time (so a
    /// final capital sigma becomes σ, not ς).
    var lowercase = true

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.count)
        for scalar in text {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || BertCharacterClass.isControl(scalar) { continue }
                if BertCharacterClass.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && BertCharacterClass.isChineseCharacter(scalar) {
                scalars += [" ", scalar, " "]
            } else {
                scalars.append(scalar)
            }
        }
        if stripAccents && scalars.contains(where: { !$0.isASCII }) {
            var string = String.UnicodeScalarView()
            string.append(contentsOf: scalars)
            let decomposed = String(string).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { !BertCharacterClass.isNonspacingMark($0) }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(scalars.count)
            for scalar in scalars {
                if scalar.isASCII {
                    lowered.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            scalars = lowered
        }
        return scalars
    }
}
