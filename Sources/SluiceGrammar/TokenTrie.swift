/// A vocabulary as a flat trie of token bytes, nodes in depth-first order (llguidance's
/// toktrie/src/toktrie.rs layout): a node's subtree is the run of nodes up to `subtreeEnd`, so a walk that
/// rejects a byte skips every token starting with that prefix in one jump.
public struct TokenTrie: Sendable {
    /// Node 0 is the root (the empty prefix).
    let byte: [UInt8]
    let depth: [UInt16]
    /// One past the last node of each node's subtree.
    let subtreeEnd: [Int32]
    /// Tokens ending at node i are `tokenIDs[tokenStart[i]..<tokenStart[i + 1]]`.
    let tokenStart: [Int32]
    let tokenIDs: [Int32]
    public let maxDepth: Int
    public var nodeCount: Int { byte.count }

    public init(tokenBytes: [[UInt8]]) {
        self.init(tokenBytes: tokenBytes, sortedIDs: Self.sortedIDs(tokenBytes))
    }

    /// The ids of the non-empty tokens, in byte order: a trie of any subset of them is built from the subset of
    /// this order, without sorting again (as the vocabulary's slices are).
    static func sortedIDs(_ tokenBytes: [[UInt8]]) -> [Int] {
        tokenBytes.indices.filter { !tokenBytes[$0].isEmpty }.sorted {
            tokenBytes[$0].lexicographicallyPrecedes(tokenBytes[$1])
        }
    }

    /// The trie of the tokens `order` lists, which must be in byte order and non-empty.
    init(tokenBytes: [[UInt8]], sortedIDs order: [Int]) {
        var byte: [UInt8] = [0], depth: [UInt16] = [0]
        // In byte order a token ends at the node made last (or at the same node as the token before it, when
        // both have the same bytes), so each node's tokens are appended right after the node: `tokenStart[i]`
        // is the token count when node i is made.
        var tokenStart: [Int32] = [0]
        var tokenIDs: [Int32] = []
        var previous: [UInt8] = []
        for id in order {
            let bytes = tokenBytes[id]
            var common = 0
            while common < min(previous.count, bytes.count), previous[common] == bytes[common] { common += 1 }
            for d in common..<bytes.count {
                byte.append(bytes[d])
                depth.append(UInt16(d + 1))
                tokenStart.append(Int32(tokenIDs.count))
            }
            tokenIDs.append(Int32(id))
            previous = bytes
        }
        tokenStart.append(Int32(tokenIDs.count))
        var subtreeEnd = [Int32](repeating: Int32(byte.count), count: byte.count)
        var stack: [Int] = []
        for i in 0..<byte.count {
            while let top = stack.last, depth[top] >= depth[i] {
                subtreeEnd[top] = Int32(i)
                stack.removeLast()
            }
            stack.append(i)
        }
        self.byte = byte
        self.depth = depth
        self.subtreeEnd = subtreeEnd
        self.tokenStart = tokenStart
        self.tokenIDs = tokenIDs
        maxDepth = Int(depth.max() ?? 0)
    }
}

/// What the grammar engine knows of a tokenizer: each token's bytes and the tokens that end generation.
public final class TokenVocabulary: Sendable {
    public let tokenBytes: [[UInt8]]
    public let endTokenIDs: [Int]
    /// Every token.
    public let trie: TokenTrie
    /// The vocabulary cut into slices for in-string lexer states, each with its own trie.
    let slices: TokenSlices
    public var size: Int { tokenBytes.count }

    /// - Parameters:
    ///   - tokenBytes: the bytes of every token id; empty for control tokens, which a grammar never allows.
    ///   - endTokenIDs: EOS and end-of-turn tokens, allowed exactly when the grammar can finish.
    public init(tokenBytes: [[UInt8]], endTokenIDs: [Int]) {
        self.tokenBytes = tokenBytes
        self.endTokenIDs = endTokenIDs
        let order = TokenTrie.sortedIDs(tokenBytes)
        trie = TokenTrie(tokenBytes: tokenBytes, sortedIDs: order)
        slices = TokenSlices(tokenBytes: tokenBytes, sortedIDs: order)
    }

    /// Trie `index` of a ``LexemeSplit``'s boundaries: 0 is the whole vocabulary, then each slice's.
    func trie(_ index: Int) -> TokenTrie { index == 0 ? trie : slices.tries[index - 1] }
}

/// One bit per vocabulary token: set when the token is allowed.
public struct TokenBitmask: Sendable, Equatable {
    public var words: [UInt64]
    public let size: Int

    public init(size: Int) {
        self.size = size
        words = [UInt64](repeating: 0, count: (size + 63) / 64)
    }

    public func isAllowed(_ token: Int) -> Bool {
        token >= 0 && token < size && words[token >> 6] & (1 << UInt64(token & 63)) != 0
    }

    public mutating func allow(_ token: Int) { words[token >> 6] |= 1 << UInt64(token & 63) }

    public var allowedCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}

extension TokenTrie {
    /// The node arrays as buffer pointers, for the mask walks, whose inner loops must touch no array storage.
    struct Nodes {
        let byte: UnsafeBufferPointer<UInt8>
        let depth: UnsafeBufferPointer<UInt16>
        let subtreeEnd: UnsafeBufferPointer<Int32>
        let tokenStart: UnsafeBufferPointer<Int32>
        let tokenIDs: UnsafeBufferPointer<Int32>
    }

    /// Calls `body` with ``Nodes`` valid for its duration.
    func withNodes<R>(_ body: (Nodes) throws -> R) rethrows -> R {
        try byte.withUnsafeBufferPointer { byte in
            try depth.withUnsafeBufferPointer { depth in
                try subtreeEnd.withUnsafeBufferPointer { subtreeEnd in
                    try tokenStart.withUnsafeBufferPointer { tokenStart in
                        try tokenIDs.withUnsafeBufferPointer { tokenIDs in
                            try body(Nodes(byte: byte, depth: depth, subtreeEnd: subtreeEnd, tokenStart: tokenStart,
                                           tokenIDs: tokenIDs))
                        }
                    }
                }
            }
        }
    }
}
