extension Sampler {
    /// Token ids kept as a binary heap in a caller's buffer and ranked by a key per token: the
    /// partial selection behind top-k, top-p and the top logprobs, so no call sorts the vocabulary.
    ///
    /// Tokens rank by larger key, then lower id, with NaN as -inf; that total order makes every
    /// selection deterministic and equal to taking a prefix of a full sort.
    struct TokenHeap {
        /// [vocabularySize] the ranking key of each token id.
        let keys: UnsafeBufferPointer<Float>
        /// The heap lives in the first `count` slots; popped tokens are parked after it.
        let slots: UnsafeMutableBufferPointer<Int32>
        /// Whether the root is the highest-ranked token rather than the lowest.
        let bestAtRoot: Bool
        private(set) var count: Int

        /// Arranges the `count` token ids already in `slots` into a heap, in O(count).
        init(keys: UnsafeBufferPointer<Float>, slots: UnsafeMutableBufferPointer<Int32>, count: Int, bestAtRoot: Bool) {
            self.keys = keys
            self.slots = slots
            self.bestAtRoot = bestAtRoot
            self.count = count
            for index in stride(from: count / 2 - 1, through: 0, by: -1) { siftDown(from: index) }
        }

        var root: Int32 { slots[0] }

        /// Whether `a` ranks above `b`.
        @inline(__always)
        func ranks(_ a: Int32, above b: Int32) -> Bool {
            let keyA = key(a), keyB = key(b)
            return keyA > keyB || (keyA == keyB && a < b)
        }

        @inline(__always)
        func key(_ token: Int32) -> Float {
            let value = keys[Int(token)]
            return value.isNaN ? -.infinity : value
        }

        /// Puts `token` in place of the root and restores the heap.
        mutating func replaceRoot(with token: Int32) {
            slots[0] = token
            siftDown(from: 0)
        }

        /// Removes the root and parks it in the slot just past the shrunken heap.
        mutating func popRoot() -> Int32 {
            let top = slots[0]
            count -= 1
            slots[0] = slots[count]
            slots[count] = top
            siftDown(from: 0)
            return top
        }

        @inline(__always)
        private func belongsNearerRoot(_ a: Int32, than b: Int32) -> Bool {
            bestAtRoot ? ranks(a, above: b) : ranks(b, above: a)
        }

        private func siftDown(from start: Int) {
            var parent = start
            let item = slots[parent]
            while true {
                var child = 2 * parent + 1
                guard child < count else { break }
                if child + 1 < count, belongsNearerRoot(slots[child + 1], than: slots[child]) { child += 1 }
                guard belongsNearerRoot(slots[child], than: item) else { break }
                slots[parent] = slots[child]
                parent = child
            }
            slots[parent] = item
        }
    }

    /// Writes the `k` highest-ranked token ids of `keys` into `slots`, highest first, and returns how
    /// many it wrote (`k` capped by the vocabulary and the buffer). O(vocabularySize · log k).
    static func selectTop(_ k: Int, of keys: UnsafeBufferPointer<Float>, into slots: UnsafeMutableBufferPointer<Int32>) -> Int {
        let selected = min(k, keys.count, slots.count)
        guard selected > 0 else { return 0 }
        for token in 0..<selected { slots[token] = Int32(token) }
        // The root is the weakest token kept so far, so most tokens cost one comparison.
        var heap = TokenHeap(keys: keys, slots: slots, count: selected, bestAtRoot: false)
        var weakestKey = heap.key(heap.root)
        for token in selected..<keys.count {
            // Strictly greater: on a tie the kept token has the lower id and wins; NaN never passes.
            guard keys[token] > weakestKey else { continue }
            heap.replaceRoot(with: Int32(token))
            weakestKey = heap.key(heap.root)
        }
        // Popping the weakest to the back leaves the slots sorted strongest first.
        while heap.count > 1 { _ = heap.popRoot() }
        return selected
    }
}
