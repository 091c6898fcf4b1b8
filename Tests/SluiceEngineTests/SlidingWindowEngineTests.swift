import Foundation
import SluiceAssets
import SluiceCPU
import SluiceModel
import Testing
@testable import SluiceEngine

extension ModelTests {
/// Gemma-3-270M through the engine: five of its six layers slide over 512 positions, so they get KV-cache
/// groups of their own that release blocks as a sequence passes its window (decision 18). What the engine
/// generates must not change, and the sliding groups must hold only a window's worth of blocks.
@Suite("Sliding-window KV-cache groups on Gemma-3-270M")
struct SlidingWindowEngineTests {
    static let model: any DecoderModel = {
        guard let entry = ModelCatalog.entry(named: "gemma-3-270m") else { fatalError("gemma-3-270m is not in the catalog") }
        do {
            return try ModelRegistry.load(GGUFFile(path: ModelCache.default.ensure(entry) { print($0) }))
        } catch {
            fatalError("the sliding-window tests need Gemma-3-270M: \(error)")
        }
    }()
    static let blockSize = 16
    static let chunk = 64
    /// 600 prompt tokens (past the 512-token window), deterministic and varied.
    static let prompt: [Int] = {
        var random = TestRandom(seed: 270)
        return [2] + random.tokens(599, vocabularySize: 20_000).map { $0 + 1_000 }
    }()
    static let numGenerated = 12

    func makeCore() throws -> EngineCore {
        let config = SchedulerConfig(maxNumBatchedTokens: Self.chunk, maxNumSeqs: 4, maxModelLength: 1024,
                                     blockSize: Self.blockSize, numBlocks: 400, maxStepLatency: .off)
        return try EngineCore(model: Self.model, config: config, eosTokenIDs: [], backend: CPUBackend(threadCount: 2))
    }

    @Test("the model's layers make six groups of three: one global, five sliding over 512 positions")
    func layout() {
        let layout = Self.model.kvCacheLayout
        #expect(layout.groups.map(\.window) == [nil, 512, 512, 512, 512, 512])
        #expect(layout.groups[0].layers == [5, 11, 17])
        #expect(layout.groups[1].layers == [0, 1, 2] && layout.groups[2].layers == [3, 4, 6])
        #expect(layout.layerSlots == 3)
    }

    @Test("prefill in 64-token chunks and decode past the window give the log-probs of the same steps run with every block kept, holding a window of blocks per sliding group")
    func engineMatchesKeptBlocks() throws {
        let core = try makeCore()
        var params = SamplingParams(temperature: 0, maxTokens: Self.numGenerated)
        params.logprobs = 0
        try core.add(Request(requestID: "a", promptTokenIDs: Self.prompt, samplingParams: params))
        let manager = { core.scheduler.kvCacheManager }
        let windows = manager().groupWindows
        var generated: [SampledToken] = []
        var mostSliding = 0
        while core.hasUnfinishedRequests {
            let outputs = try core.step()
            generated += outputs.outputs.map(\.token)
            let tables = manager().blockTables(requestID: "a")
            guard !tables[0].isEmpty else { continue }
            for (group, table) in tables.enumerated() {
                let held = table.filter { $0 != .null }.count
                if windows[group] == nil {
                    #expect(held == table.count, "the global group keeps every block")
                } else {
                    mostSliding = max(mostSliding, held)
                    // The window's 511 earlier positions and one step's tokens: 37 blocks of 16 at most.
                    #expect(held <= (511 + Self.chunk + Self.blockSize - 1) / Self.blockSize + 1,
                            "group \(group) holds \(held) of \(table.count) blocks")
                }
            }
        }
        #expect(generated.count == Self.numGenerated)
        #expect(mostSliding >= 32 && mostSliding < (Self.prompt.count + Self.numGenerated) / Self.blockSize,
                "the sliding groups held \(mostSliding) blocks at most")
        #expect(manager().numFreeBlocks == core.scheduler.config.numBlocks - 1, "every block is back in the pool")

        // The same steps (64-token chunks, then one token at a time) straight on a runner whose tables keep
        // every block: the kernels see the same K and V in the window, so the log-probs are the same; a
        // block released too early would be read as the null block's zeros.
        let tokens = Self.prompt + generated.map(\.tokenID).dropLast()
        let groups = Self.model.kvCacheLayout.groups.count
        let blocks = (tokens.count + Self.blockSize - 1) / Self.blockSize
        let tables = ForwardBatch.disjointBlockTables(numGroups: groups, numBlocks: blocks)
        let runner = ModelRunner(model: Self.model, numBlocks: groups * blocks + 1, blockSize: Self.blockSize,
                                 maxBatchTokens: Self.chunk, maxModelLength: 1024, threadCount: 2)
        var start = 0
        var index = 0
        while start < tokens.count {
            let end = start < Self.prompt.count ? min(start + Self.chunk, Self.prompt.count) : start + 1
            let batch = ForwardBatch.singleSequence(tokens: tokens[start..<end].map(Int32.init), startPosition: start,
                                                    blockTables: tables, blockSize: Self.blockSize)
            let logits = try runner.execute(batch)
            if end >= Self.prompt.count {
                let row = logSoftmax(logits)
                let best = row.indices.max { row[$0] < row[$1] }!
                #expect(generated[index].tokenID == best, "token \(index)")
                let engine = try #require(generated[index].logprob)
                #expect(abs(engine - row[best]) < 1e-4, "token \(index): log-prob \(engine), kept blocks \(row[best])")
                index += 1
            }
            start = end
        }
        #expect(index == Self.numGenerated)
    }

    /// log-softmax of a row of logits, in Double.
    private func logSoftmax(_ row: UnsafeBufferPointer<Float>) -> [Float] {
        let top = row.max() ?? 0
        let logSum = Float(log(row.reduce(0.0) { $0 + exp(Double($1 - top)) }))
        return row.map { $0 - top - logSum }
    }

    @Test("a second request with the same prompt hits the cache in every group and generates the same tokens")
    func prefixHitAcrossGroups() throws {
        let core = try makeCore()
        let params = SamplingParams(temperature: 0, maxTokens: 4)
        try core.add(Request(requestID: "first", promptTokenIDs: Self.prompt, samplingParams: params))
        let first = try core.runUntilIdle()
        try core.add(Request(requestID: "second", promptTokenIDs: Self.prompt, samplingParams: params))
        let second = try core.runUntilIdle()
        // All but the last (partial) block of the 600 tokens: 37 blocks.
        #expect(second.last["second"]?.numCachedTokens == 592)
        #expect(second.tokens["second"] == first.tokens["first"])
    }
}
}
