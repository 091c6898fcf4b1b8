import Foundation
import Testing
@testable import SluiceModel

@Suite("Llama forward pass against llama.cpp")
struct LlamaModelTests {
    static let blockSize = 16

    /// Checks rows of logits against the llama.cpp references of one fixture case; `rows[i]`
    /// holds the distribution that predicted generated token i.
    static func check(_ fixture: LogitsFixture.Case, rows: [[Float]]) {
        #expect(rows.count == fixture.positions.count)
        for (i, (reference, ours)) in zip(fixture.positions, rows).enumerated() {
            let margin = reference.top_logprobs[0] - reference.top_logprobs[1]
            if margin > 0.1 {
                let argmax = ours.indices.max { ours[$0] < ours[$1] }!
                #expect(argmax == reference.top_ids[0], "\(fixture.name) position \(i): argmax \(argmax), llama.cpp \(reference.top_ids[0]) (margin \(margin))")
            }
            for (id, logprob) in zip(reference.top_ids, reference.top_logprobs) {
                #expect(abs(ours[id] - logprob) < 0.1, "\(fixture.name) position \(i) token \(id): ours \(ours[id]), llama.cpp \(logprob)")
            }
        }
    }

    @Test("teacher-forced logits match llama.cpp over 40 generated positions, whole sequence in one pass",
          arguments: LogitsFixture.smolLM2.cases.map(\.name))
    func teacherForcedOnePass(name: String) throws {
        let fixture = LogitsFixture.smolLM2.cases.first { $0.name == name }!
        let tokens = (fixture.prompt_ids + fixture.generated_ids).map(Int32.init)
        let blocks = (tokens.count + Self.blockSize - 1) / Self.blockSize
        let runner = ModelRunner(model: TestModel.model, numBlocks: blocks + 1, blockSize: Self.blockSize,
                                 maxBatchTokens: tokens.count)
        var batch = ForwardBatch.singleSequence(tokens: tokens, startPosition: 0, blockTable: (1...blocks).map { Int32($0) },
                                                blockSize: Self.blockSize)
        let first = fixture.prompt_ids.count - 1
        batch.logitIndices = (first..<(first + fixture.generated_ids.count)).map { Int32($0) }
        let logits = try runner.execute(batch)
        let vocabulary = runner.vocabularySize
        let rows = (0..<batch.logitIndices.count).map { row in
            logSoftmax(UnsafeBufferPointer(rebasing: logits[(row * vocabulary)..<((row + 1) * vocabulary)]))
        }
        Self.check(fixture, rows: rows)
    }

    @Test("prefill in chunks then decode one token at a time through a scattered block table matches llama.cpp")
    func teacherForcedIncremental() throws {
        let fixture = LogitsFixture.smolLM2.cases.first { $0.prompt_ids.count > 100 }!
        let tokens = (fixture.prompt_ids + fixture.generated_ids).map(Int32.init)
        let blocks = (tokens.count + Self.blockSize - 1) / Self.blockSize
        // Blocks in a shuffled, non-contiguous order, with unused blocks in between.
        var table = (1...(2 * blocks)).map { Int32($0) }
        var generator = SystemRandomNumberGenerator()
        table.shuffle(using: &generator)
        table = Array(table.prefix(blocks))
        let runner = ModelRunner(model: TestModel.model, numBlocks: 2 * blocks + 1, blockSize: Self.blockSize,
                                 maxBatchTokens: 37, maxLogitRows: 1)
        var rows: [[Float]] = []
        var position = 0
        let promptCount = fixture.prompt_ids.count
        while position < tokens.count - 1 {
            // Odd chunk sizes so chunks straddle block boundaries.
            let end = position < promptCount ? min(position + 37, promptCount) : position + 1
            let batch = ForwardBatch.singleSequence(tokens: Array(tokens[position..<end]), startPosition: position,
                                                    blockTable: table, blockSize: Self.blockSize)
            let logits = try runner.execute(batch)
            if end >= promptCount { rows.append(logSoftmax(logits)) }
            position = end
        }
        Self.check(fixture, rows: rows)
    }

    @Test("several sequences in one batch give the same logits as each sequence alone")
    func batchingIsInvisible() throws {
        let cases = Array(LogitsFixture.smolLM2.cases.prefix(3))
        let blockSize = Self.blockSize
        let perSequence = cases.map { ($0.prompt_ids.count + blockSize - 1) / blockSize }
        let runner = ModelRunner(model: TestModel.model, numBlocks: perSequence.reduce(0, +) + 1, blockSize: blockSize,
                                 maxBatchTokens: 512)
        var alone: [[Float]] = []
        var nextBlock: Int32 = 1
        var tables: [[Int32]] = []
        for (fixture, count) in zip(cases, perSequence) {
            let table = (0..<count).map { nextBlock + Int32($0) }
            nextBlock += Int32(count)
            tables.append(table)
            let logits = try runner.execute(.singleSequence(tokens: fixture.prompt_ids.map(Int32.init), startPosition: 0,
                                                            blockTable: table, blockSize: blockSize))
            alone.append(Array(logits))
        }
        let width = perSequence.max()!
        var batch = ForwardBatch(tokenIDs: [], positions: [], slotMapping: [], sequenceIndices: [],
                                 blockTables: tables.flatMap { $0 + [Int32](repeating: 0, count: width - $0.count) },
                                 maxBlocksPerSequence: width, logitIndices: [])
        for (sequence, fixture) in cases.enumerated() {
            for (position, token) in fixture.prompt_ids.enumerated() {
                batch.tokenIDs.append(Int32(token))
                batch.positions.append(Int32(position))
                batch.slotMapping.append(Int64(tables[sequence][position / blockSize]) * Int64(blockSize) + Int64(position % blockSize))
                batch.sequenceIndices.append(Int32(sequence))
            }
            batch.logitIndices.append(Int32(batch.tokenIDs.count - 1))
        }
        let logits = try runner.execute(batch)
        let vocabulary = runner.vocabularySize
        for (row, expected) in alone.enumerated() {
            let ours = Array(logits[(row * vocabulary)..<((row + 1) * vocabulary)])
            let worst = zip(ours, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-3, "sequence \(row): largest logit difference \(worst)")
        }
    }

    @Test("a batch with a token, block or slot out of range is refused and nothing runs")
    func invalidBatches() throws {
        let runner = ModelRunner(model: TestModel.model, numBlocks: 3, blockSize: Self.blockSize, maxBatchTokens: 4)
        let good = ForwardBatch.singleSequence(tokens: [1, 2], startPosition: 0, blockTable: [1, 2], blockSize: Self.blockSize)
        var badToken = good
        badToken.tokenIDs[1] = 49_152
        #expect(throws: ModelError.tokenOutOfRange(token: 49_152, vocabularySize: 49_152)) { try runner.execute(badToken) }
        var badBlock = good
        badBlock.blockTables[0] = 3
        #expect(throws: ModelError.self) { try runner.execute(badBlock) }
        var badSlot = good
        badSlot.slotMapping[0] = 48
        #expect(throws: ModelError.self) { try runner.execute(badSlot) }
        let tooMany = ForwardBatch.singleSequence(tokens: [1, 2, 3, 4, 5], startPosition: 0, blockTable: [1, 2], blockSize: Self.blockSize)
        #expect(throws: ModelError.batchTooLarge(tokens: 5, capacity: 4)) { try runner.execute(tooMany) }
        var pastTable = good
        pastTable.positions = [40, 41]
        #expect(throws: ModelError.self) { try runner.execute(pastTable) }
        _ = try runner.execute(good)
    }
}
