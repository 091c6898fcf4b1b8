import SluiceModel
import Testing
@testable import SluiceEngine

/// KV-cache groups (decision 18): how layers are grouped, what the pool's arithmetic makes of sliding
/// windows, and the manager releasing the blocks that leave a window.
@Suite("KV-cache groups and sliding windows")
struct KVCacheGroupsTests {
    @Test("layers group by window into groups as large as the smallest kind; one kind is one group")
    func layouts() {
        // Gemma 3: every sixth layer global.
        let gemma3 = KVCacheLayout(windows: (0..<18).map { $0 % 6 == 5 ? nil : 512 })
        #expect(gemma3.groups.map(\.window) == [nil, 512, 512, 512, 512, 512] && gemma3.layerSlots == 3)
        #expect(gemma3.groups.map(\.layers) == [[5, 11, 17], [0, 1, 2], [3, 4, 6], [7, 8, 9], [10, 12, 13], [14, 15, 16]])
        #expect((gemma3.group(ofLayer: 11), gemma3.slot(ofLayer: 11)) == (0, 1))
        #expect((gemma3.group(ofLayer: 6), gemma3.slot(ofLayer: 6)) == (2, 2))
        // Gemma 2: alternating, two groups of half the layers each.
        let gemma2 = KVCacheLayout(windows: (0..<26).map { $0 % 2 == 0 ? 4096 : nil })
        #expect(gemma2.groups.map(\.window) == [nil, 4096] && gemma2.layerSlots == 13)
        #expect(gemma2.groups[1].layers == Array(stride(from: 0, to: 26, by: 2)))
        // Uneven kinds: the last group of the larger kind is short, its missing slot unused.
        let uneven = KVCacheLayout(windows: (0..<10).map { $0 < 3 ? nil : 64 })
        #expect(uneven.groups.map(\.layers) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] && uneven.layerSlots == 3)
        // Two windows: the smaller first, after full attention.
        let two = KVCacheLayout(windows: [128, nil, 32, 128, nil, 32])
        #expect(two.groups.map(\.window) == [nil, 32, 128])
        // One kind, full or sliding (Mistral's window on every layer): one group of every layer.
        #expect(KVCacheLayout.fullAttention(numLayers: 30).groups.count == 1)
        let mistral = KVCacheLayout(windows: [Int?](repeating: 4096, count: 32))
        #expect(mistral.groups.count == 1 && mistral.layerSlots == 32 && mistral.groupWindows == [4096])
    }

    @Test("a sliding group holds its window's blocks: the pool's longest sequence and how many fit")
    func capacity() {
        let full = KVCapacity(numBlocks: 101, blockSize: 16)
        let hybrid = KVCacheManager(numBlocks: 101, blockSize: 16, groupWindows: [nil, 64]).capacity
        // 1,000 tokens: 63 blocks in the full group, and in the sliding one the 63 positions before the
        // last token plus it, 5 blocks at most (4 when aligned, one more when the window straddles).
        #expect(full.blocksHeld(forTokens: 1000) == 63)
        #expect(hybrid.blocksHeld(forTokens: 1000) == 63 + 5)
        #expect(hybrid.blocksHeld(forTokens: 40) == 3 + 3, "a short sequence holds all its blocks in both")
        // A step of 256 tokens holds its own blocks too.
        #expect(hybrid.blocksHeld(forTokens: 1000, chunkTokens: 256) == 63 + 21)
        #expect(hybrid.maxSequenceLength == (100 - 5) * 16 + 1)
        #expect(hybrid.maxSequences(ofLength: 1001) == 100 / 68)
        let sliding = KVCapacity(numBlocks: 11, blockSize: 16, groupWindows: [64])
        #expect(sliding.maxSequenceLength == Int.max, "every group slides: the pool does not bound the length")
    }

    @Test("with every layer sliding, a sequence far longer than the pool decodes, each step releasing what leaves the window")
    func slidingOnlyOutgrowsThePool() {
        // 3 usable blocks of 4 tokens, a window of 5: a token reads at most 2 blocks, 3 with the one it writes.
        var manager = KVCacheManager(numBlocks: 4, blockSize: 4, groupWindows: [5])
        var random = TestRandom(seed: 5)
        var tokens = random.tokens(8)
        #expect(manager.allocateSlots(requestID: "a", tokenIDs: tokens, numComputedTokens: 0, numNewTokens: 8) != nil)
        var computed = 8
        for _ in 0..<200 {
            tokens.append(Int.random(in: 0..<100, using: &random))
            #expect(manager.canAllocate(requestID: "a", numComputedTokens: computed, numNewTokens: 1))
            #expect(manager.allocateSlots(requestID: "a", tokenIDs: tokens, numComputedTokens: computed, numNewTokens: 1) != nil)
            computed += 1
            let table = manager.blockIDs(requestID: "a")
            #expect(table.count == (computed + 3) / 4)
            // The new token at position computed - 1 reads positions computed - 5 ... computed - 1.
            let first = max(0, computed - 1 - 5 + 1) / 4
            #expect(table.prefix(first).allSatisfy { $0 == .null } && table.dropFirst(first).allSatisfy { $0 != .null })
        }
        #expect(manager.numHeldBlocks(requestID: "a") <= 3)
        // The same pool without the window runs out after 12 tokens.
        var plain = KVCacheManager(numBlocks: 4, blockSize: 4)
        #expect(plain.allocateSlots(requestID: "a", tokenIDs: Array(tokens.prefix(12)), numComputedTokens: 0, numNewTokens: 12) != nil)
        #expect(!plain.canAllocate(requestID: "a", numComputedTokens: 12, numNewTokens: 1))
        manager.free(requestID: "a")
        #expect(manager.numFreeBlocks == 3 && manager.usage == 0)
    }

    @Test("released blocks stay cached: a request with the same prefix hits the full group whole and the sliding group's window")
    func releasedBlocksStayCached() throws {
        var manager = KVCacheManager(numBlocks: 40, blockSize: 4, groupWindows: [nil, 6])
        var random = TestRandom(seed: 9)
        let prompt = random.tokens(40)
        #expect(manager.allocateSlots(requestID: "a", tokenIDs: prompt, numComputedTokens: 0, numNewTokens: 24) != nil)
        #expect(manager.allocateSlots(requestID: "a", tokenIDs: prompt, numComputedTokens: 24, numNewTokens: 16) != nil)
        // Before the second chunk the sliding group let go of the blocks before position 24 - 6 + 1 = 19.
        let tables = manager.blockTables(requestID: "a")
        #expect(tables[0].count == 10 && !tables[0].contains(.null))
        #expect(tables[1].prefix(4).allSatisfy { $0 == .null } && !tables[1].dropFirst(4).contains(.null))
        #expect(manager.numHeldBlocks(requestID: "a") == 10 + 6)
        manager.free(requestID: "a")

        // 40 tokens and one more: 10 full blocks can hit; the next token at 40 reads from 35, block 8.
        let (hits, computed) = manager.getComputedBlocks(requestID: "b", tokenIDs: prompt + [7])
        #expect(computed == 40)
        #expect(hits.tables[0] == tables[0])
        #expect(hits.tables[1].prefix(8).allSatisfy { $0 == .null } && Array(hits.tables[1].suffix(2)) == Array(tables[1].suffix(2)))
        #expect(manager.allocateSlots(requestID: "b", tokenIDs: prompt + [7], numComputedTokens: 0, numNewTokens: 1,
                                      newComputedBlocks: hits) != nil)
        #expect(manager.numHeldBlocks(requestID: "b") == 10 + 2 + 2)

        // A shorter prompt whose window reaches back to a block the sliding group released: released
        // blocks keep their hashes until evicted, so the hit is whole.
        var fresh = KVCacheManager(numBlocks: 40, blockSize: 4, groupWindows: [nil, 6])
        #expect(fresh.allocateSlots(requestID: "a", tokenIDs: prompt, numComputedTokens: 0, numNewTokens: 24) != nil)
        #expect(fresh.allocateSlots(requestID: "a", tokenIDs: prompt, numComputedTokens: 24, numNewTokens: 16) != nil)
        fresh.free(requestID: "a")
        // 21 tokens: 5 full blocks may hit, and the next token at 20 reads from 15: sliding blocks 3 and 4.
        let (short, shortComputed) = fresh.getComputedBlocks(requestID: "c", tokenIDs: Array(prompt.prefix(21)))
        #expect(shortComputed == 20 && short.tables[1][3] != .null && short.tables[1][2] == .null)
    }
}
