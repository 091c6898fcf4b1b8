import Testing
@testable import SluiceEngine

/// Random operations against a small pool, checking the pool's invariants after every one.
///
/// A shadow copy of the KV memory (`shadow[block][slot]` = the token written there) catches any
/// cache hit that would hand a request blocks holding other tokens. With sliding-window groups, the
/// blocks a step's tokens reach must be present in every group, and those wholly before a group's
/// window must have been released.
@Suite("KVCacheManager properties")
struct KVCacheManagerPropertyTests {
    private static let numBlocks = 48
    private static let blockSize = 4

    /// The test's own record of one running request.
    private struct LiveRequest {
        var tokens: [Int]
        var numComputedTokens: Int
        /// The computed tokens before its last allocation: the window its releases followed.
        var numComputedBefore: Int
    }

    /// The random workload and the model it checks the manager against.
    private struct Workload {
        var manager: KVCacheManager
        var random: TestRandom
        var live: [RequestID: LiveRequest] = [:]
        var liveOrder: [RequestID] = []
        var history: [[Int]] = []
        var shadow = Array(repeating: Array(repeating: -1, count: blockSize), count: numBlocks)
        var systemPrompts: [[Int]] = []
        var nextID = 0
        var numHits = 0
        var numRefused = 0

        init(caching: Bool, seed: UInt64, groupWindows: [Int?] = [nil]) {
            manager = KVCacheManager(numBlocks: numBlocks, blockSize: blockSize, enablePrefixCaching: caching,
                                     groupWindows: groupWindows)
            random = TestRandom(seed: seed)
            for _ in 0..<4 {
                systemPrompts.append(random.tokens(Int.random(in: 4...40, using: &random), vocabularySize: 50))
            }
        }

        /// Looks up the cache for a new prompt and admits a random first chunk of it.
        /// Returns whether it was admitted.
        @discardableResult
        mutating func admit(_ tokens: [Int]) -> Bool {
            let requestID = RequestID("r\(nextID)")
            nextID += 1
            let (hits, numComputedTokens) = manager.getComputedBlocks(requestID: requestID, tokenIDs: tokens)
            #expect(numComputedTokens == hits.count * blockSize && numComputedTokens < tokens.count)
            for (group, table) in hits.tables.enumerated() {
                #expect(table.count == hits.count)
                let first = firstNeededBlock(numComputedTokens, group: group)
                for (index, block) in table.enumerated() {
                    #expect((block == .null) == (index < first), "group \(group)'s hit \(index) of \(table)")
                    guard block != .null else { continue }
                    let expected = Array(tokens[index * blockSize..<(index + 1) * blockSize])
                    #expect(shadow[block.rawValue] == expected, "cache hit \(block) holds other tokens")
                }
            }
            if numComputedTokens > 0 { numHits += 1 }
            let chunk = Int.random(in: 1...(tokens.count - numComputedTokens), using: &random)
            let canAllocate = manager.canAllocate(
                requestID: requestID, numComputedTokens: 0, numNewTokens: chunk, newComputedBlocks: hits)
            let allocated = manager.allocateSlots(
                requestID: requestID, tokenIDs: tokens, numComputedTokens: 0, numNewTokens: chunk,
                newComputedBlocks: hits)
            #expect((allocated != nil) == canAllocate)
            guard allocated != nil else {
                numRefused += 1
                manager.free(requestID: requestID)
                history.append(tokens)
                return false
            }
            write(requestID, tokens: tokens, from: numComputedTokens, to: numComputedTokens + chunk)
            live[requestID] = LiveRequest(tokens: tokens, numComputedTokens: numComputedTokens + chunk,
                                          numComputedBefore: numComputedTokens)
            liveOrder.append(requestID)
            return true
        }

        /// Schedules a random chunk (or one decode token) for a running request; preempts it when
        /// the pool is dry.
        mutating func step(_ requestID: RequestID) {
            guard var request = live[requestID] else { return }
            if request.numComputedTokens == request.tokens.count {
                request.tokens.append(Int.random(in: 0..<50, using: &random))
            }
            let remaining = request.tokens.count - request.numComputedTokens
            let chunk = Int.random(in: 1...remaining, using: &random)
            let allocated = manager.allocateSlots(
                requestID: requestID, tokenIDs: request.tokens,
                numComputedTokens: request.numComputedTokens, numNewTokens: chunk)
            guard allocated != nil else {
                numRefused += 1
                finish(requestID)
                return
            }
            write(requestID, tokens: request.tokens, from: request.numComputedTokens,
                  to: request.numComputedTokens + chunk)
            request.numComputedBefore = request.numComputedTokens
            request.numComputedTokens += chunk
            live[requestID] = request
        }

        /// Frees a request, as when it finishes, aborts or is preempted.
        mutating func finish(_ requestID: RequestID) {
            if let request = live.removeValue(forKey: requestID) { history.append(request.tokens) }
            liveOrder.removeAll { $0 == requestID }
            manager.free(requestID: requestID)
        }

        /// Records which tokens the forward pass would write into which slots.
        /// Every group's table must reach the new tokens, and hold them in blocks of its own.
        mutating func write(_ requestID: RequestID, tokens: [Int], from start: Int, to end: Int) {
            for blocks in manager.blockTables(requestID: requestID) {
                #expect(blocks.count == (end + blockSize - 1) / blockSize)
                for position in start..<end {
                    let block = blocks[position / blockSize]
                    #expect(block != .null, "position \(position) has no block")
                    shadow[block.rawValue][position % blockSize] = tokens[position]
                }
            }
        }

        /// The first block the token at `numComputedTokens` reads in `group`, by its window.
        func firstNeededBlock(_ numComputedTokens: Int, group: Int) -> Int {
            guard let window = manager.groupWindows[group] else { return 0 }
            return max(0, numComputedTokens - window + 1) / blockSize
        }

        /// A prompt that often shares a prefix with earlier ones.
        mutating func makePrompt() -> [Int] {
            let tail = random.tokens(Int.random(in: 1...30, using: &random), vocabularySize: 50)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: return tail
            case 1: return systemPrompts.randomElement(using: &random)! + tail
            default:
                guard let old = history.randomElement(using: &random) else { return tail }
                let keep = Int.random(in: 1...old.count, using: &random)
                return Array(old.prefix(keep)) + (Bool.random(using: &random) ? [] : tail)
            }
        }

        /// Every invariant the pool promises, as messages for the ones that fail.
        func violations() -> [String] {
            var problems: [String] = []
            let pool = manager.blockPool
            var expectedRefCounts = Array(repeating: 0, count: numBlocks)
            for requestID in liveOrder {
                let tables = manager.blockTables(requestID: requestID)
                let request = live[requestID]!
                for (group, table) in tables.enumerated() {
                    // Released entries are exactly those before the window of the last allocation's first token.
                    let first = firstNeededBlock(request.numComputedBefore, group: group)
                    for (index, block) in table.enumerated() where (block == .null) != (index < first) {
                        problems.append("\(requestID) group \(group) entry \(index) is \(block), window from block \(first)")
                    }
                }
                let blocks = tables.flatMap { $0.filter { $0 != .null } }
                if Set(blocks).count != blocks.count { problems.append("\(requestID) holds a block twice") }
                if manager.numHeldBlocks(requestID: requestID) != blocks.count { problems.append("\(requestID) held count") }
                for block in blocks { expectedRefCounts[block.rawValue] += 1 }
            }
            let queue = pool.freeQueue
            if pool[.null].refCount != 0 || queue.contains(.null) { problems.append("null block in use") }
            for index in 1..<numBlocks {
                let block = pool[BlockID(index)]
                if block.refCount != expectedRefCounts[index] {
                    problems.append("block \(index) refCount \(block.refCount), held \(expectedRefCounts[index])")
                }
                if queue.contains(block.id) != (block.refCount == 0) {
                    problems.append("block \(index) free-queue membership disagrees with refCount")
                }
            }
            let forward = queue.blockIDs
            if Set(forward).count != forward.count || forward.count != queue.count {
                problems.append("free queue has duplicates or a wrong count")
            }
            if queue.blockIDsBackward != forward.reversed() { problems.append("free queue links disagree") }
            let entries = pool.cachedBlockEntries
            for (hash, block) in entries where pool[block].blockHash != hash {
                problems.append("hash map points at block \(block), which carries another hash")
            }
            let numHashed = (0..<numBlocks).filter { pool[BlockID($0)].blockHash != nil }.count
            if numHashed != entries.count { problems.append("\(numHashed) hashed blocks, \(entries.count) map entries") }
            let numUsed = expectedRefCounts.filter { $0 > 0 }.count
            if pool.numFreeBlocks + numUsed != numBlocks - 1 { problems.append("free + used != numBlocks - 1") }
            let stats = manager.prefixCacheStats
            if stats.hits > stats.queries { problems.append("more hits than queries") }
            return problems
        }
    }

    @Test("12,000 random operations keep every pool invariant, and freeing all empties the pool",
          arguments: [(true, [nil]), (false, [nil]), (true, [nil, 6, 6]), (false, [9]), (true, [5])] as [(Bool, [Int?])])
    func randomOperations(caching: Bool, groupWindows: [Int?]) {
        var workload = Workload(caching: caching, seed: caching ? 42 : 43, groupWindows: groupWindows)
        for operation in 0..<12_000 {
            let choice = Int.random(in: 0..<100, using: &workload.random)
            let target = workload.liveOrder.randomElement(using: &workload.random)
            switch choice {
            case 0..<30: workload.admit(workload.makePrompt())
            case 30..<65: if let target { workload.step(target) }
            case 65..<90: if let target { workload.finish(target) }
            case 90..<97:
                // Run the pool dry so the next admissions must evict cached blocks.
                var attempts = 0
                while attempts < 20, workload.admit(workload.makePrompt()) { attempts += 1 }
            default:
                let reset = workload.manager.resetPrefixCache()
                #expect(reset == workload.liveOrder.isEmpty)
            }
            let problems = workload.violations()
            #expect(problems.isEmpty, "after operation \(operation): \(problems)")
            if !problems.isEmpty { break }
        }
        if caching {
            #expect(workload.numHits > 500)
            print("prefix cache: \(workload.numHits) admissions hit, stats \(workload.manager.prefixCacheStats)")
        } else {
            #expect(workload.numHits == 0 && workload.manager.prefixCacheStats == PrefixCacheStats())
        }
        #expect(workload.numRefused > 100)
        for requestID in workload.liveOrder { workload.finish(requestID) }
        #expect(workload.violations().isEmpty)
        #expect(workload.manager.numFreeBlocks == Self.numBlocks - 1)
        #expect(workload.manager.usage == 0)
    }
}
