import Foundation
@testable import SluiceGrammar

/// A vocabulary of the 256 single bytes plus a few multi-byte tokens, and token 256 + extras.count as EOS.
func byteVocabulary(extras: [String] = ["{\"", "\":", "\",", "true", "null", "  ", "12", "\"}"]) -> TokenVocabulary {
    var tokens = (0..<256).map { [UInt8($0)] }
    tokens += extras.map { Array($0.utf8) }
    tokens.append([]) // EOS: no bytes
    return TokenVocabulary(tokenBytes: tokens, endTokenIDs: [tokens.count - 1])
}

let testVocabulary = byteVocabulary()

/// Whether `text` is a complete sentence of the grammar, fed byte by byte.
func grammarAccepts(_ spec: GrammarSpec, _ text: String) throws -> Bool {
    let matcher = try GrammarMatcher(grammar: try spec.compile(), vocabulary: testVocabulary)
    for b in text.utf8 {
        guard try matcher.accept(Int(b)) else { return false }
    }
    return try matcher.canFinish()
}

func schema(_ text: String) -> GrammarSpec { .jsonSchema(text) }
