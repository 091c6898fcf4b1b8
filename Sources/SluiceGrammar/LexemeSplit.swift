/// A lexer state's share of a mask, which the lexer decides alone (cached per state by ``SharedLexer``):
/// the tokens that stay inside the current lexeme, and the trie nodes where the lexeme ends, which need the
/// parser.
struct LexemeSplit {
    /// The tokens inside are the first `slicePrefix` slices whole (``TokenSlices/cumulativeMasks``) plus
    /// `insideTokens`, or `denseInside` when the walk found too many tokens for a list.
    let slicePrefix: Int
    let insideTokens: [Int32]
    let denseInside: [UInt64]?
    /// Per boundary, sorted by the state the lexeme ends in (one parser scan per state): the trie
    /// (``TokenVocabulary/trie(_:)``), the node whose byte ends the lexeme, and that state.
    let boundaryTries: [Int32]
    let boundaryNodes: [Int32]
    let boundaryStates: [Int32]

    var boundaryCount: Int { boundaryNodes.count }

    /// Writes the inside tokens over `words` (every other bit cleared), in place: no allocation per mask.
    func writeInside(into words: inout [UInt64], slices: TokenSlices) {
        words.withUnsafeMutableBufferPointer { words in
            let base = denseInside ?? slices.cumulativeMasks[slicePrefix]
            base.withUnsafeBufferPointer { base in
                guard let to = words.baseAddress, let from = base.baseAddress else { return }
                to.update(from: from, count: min(words.count, base.count))
            }
            for t in insideTokens { words[Int(t) &>> 6] |= 1 &<< UInt64(t & 63) }
        }
    }
}
