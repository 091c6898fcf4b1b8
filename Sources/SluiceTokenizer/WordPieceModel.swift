/// WordPiece (`tokenizer.json`'s model `"WordPiece"`), as `tokenizers`' `models/wordpiece`: each
/// word is cut greedily into the longest vocabulary pieces from the left, every piece after the
/// first spelled with the continuation prefix (`##`). A word with a part no piece covers, or longer
/// than `maxInputCharactersPerWord`, is the unknown token alone.
struct WordPieceModel: Sendable {
    /// Token ids by the UTF-8 bytes of their text, so canonically equivalent spellings stay apart.
    let idsByBytes: [[UInt8]: Int]
    let unknownTokenID: Int
    let continuingSubwordPrefix: [UInt8]
    /// Counted in Unicode scalars, as `tokenizers` counts Rust `char`s.
    let maxInputCharactersPerWord: Int

    func tokenize(_ word: ArraySlice<Unicode.Scalar>, into output: inout [Int]) {
        guard word.count <= maxInputCharactersPerWord else {
            output.append(unknownTokenID)
            return
        }
        // The word's bytes, and where each scalar starts in them (plus the end).
        var bytes: [UInt8] = []
        var boundaries: [Int] = [0]
        for scalar in word {
            bytes.append(contentsOf: UTF8.encode(scalar)!)
            boundaries.append(bytes.count)
        }
        let first = output.count
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int?
            var key: [UInt8] = []
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(contentsOf: continuingSubwordPrefix) }
                key.append(contentsOf: bytes[boundaries[start]..<boundaries[end]])
                if let id = idsByBytes[key] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else {
                output.removeSubrange(first...)
                output.append(unknownTokenID)
                return
            }
            output.append(found)
            start = end
        }
    }
}
