import Foundation
import Testing
import SluiceCPU
@testable import SluiceModel

@Suite("Llama forward pass against llama.cpp", .serialized)
struct LlamaModelTests {
    static let blockSize = 16

    /// How far a set of log-probs strays from llama.cpp's one-pass reference.
    struct Deviation {
        var all: [Float] = []        // |ours - llama.cpp| over every top-5 id
        var top1: [Float] = []       // the same for the top-1 id alone
        var argmaxFlips: [Float] = [] // llama.cpp's top-1 margin wherever our argmax differs

        static func percentile(_ values: [Float], _ p: Double) -> Float {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
        }
        func summary() -> String {
            "median \(Self.percentile(all, 0.5)), p90 \(Self.percentile(all, 0.9)), p99 \(Self.percentile(all, 0.99)), max \(all.max()!); top-1 median \(Self.percentile(top1, 0.5)), max \(top1.max()!); argmax flips at margins \(argmaxFlips)"
        }
    }

    /// Deviation of rows of log-probs from the references of one fixture case; `rows[i]` holds the
    /// distribution that predicted generated token i.
    static func deviation(_ fixture: LogitsFixture.Case, rows: [[Float]]) -> Deviation {
        #expect(rows.count == fixture.positions.count)
        var result = Deviation()
        for (reference, ours) in zip(fixture.positions, rows) {
            let argmax = ours.indices.max { ours[$0] < ours[$1] }!
            if argmax != reference.top_ids[0] {
                // llama.cpp's margin is the smaller of its two evaluations': where its token-by-token run
                // ranks another id first, its own top-1 is not clear (Gemma 3 has such positions).
                let onePass = reference.top_logprobs[0] - reference.top_logprobs[1]
                let incremental = reference.incremental_top_logprobs[0] - reference.incremental_top_logprobs.dropFirst().max()!
                result.argmaxFlips.append(min(onePass, incremental))
            }
            for (rank, (id, logprob)) in zip(reference.top_ids, reference.top_logprobs).enumerated() {
                result.all.append(abs(ours[id] - logprob))
                if rank == 0 { result.top1.append(abs(ours[id] - logprob)) }
            }
        }
        return result
    }

    /// llama.cpp's own deviation between its one-pass and token-by-token evaluations.
    static var llamaCppNoiseFloor: Deviation { noiseFloor(of: .smolLM2) }

    /// llama.cpp's own deviation between its one-pass and token-by-token evaluations of `fixtures`.
    static func noiseFloor(of fixtures: LogitsFixture) -> Deviation {
        var result = Deviation()
        for fixture in fixtures.cases {
            for position in fixture.positions {
                for (rank, (a, b)) in zip(position.top_logprobs, position.incremental_top_logprobs).enumerated() {
                    result.all.append(abs(a - b))
                    if rank == 0 { result.top1.append(abs(a - b)) }
                }
            }
        }
        return result
    }

    /// Our deviation from llama.cpp must stay within llama.cpp's own noise floor (with 50% room) at the
    /// median, p90 and p99, and our argmax must equal llama.cpp's wherever its top-1 leads by more than 0.5
    /// nats; between 0.1 and 0.5 a few flips (1.5% of positions) are allowed. This model quantizes every
    /// activation to 8 bits, so a change of summation order anywhere (SIMD width, GEMM tiling, the softmax)
    /// moves some logits by a quantization step: the flips seen move between 0.19 and 0.36 nats with such
    /// changes, while llama.cpp's own two paths differ by up to 0.22 nats on a top-1 log-prob.
    static func check(_ ours: Deviation, label: String, floor: Deviation = llamaCppNoiseFloor) {
        print("\(label): ours \(ours.summary()); llama.cpp vs itself \(floor.summary())")
        for p in [0.5, 0.9, 0.99] {
            #expect(Deviation.percentile(ours.all, p) <= 1.5 * Deviation.percentile(floor.all, p), "\(label) p\(p): \(ours.summary())")
            #expect(Deviation.percentile(ours.top1, p) <= 1.5 * Deviation.percentile(floor.top1, p) + 0.01, "\(label) top-1 p\(p): \(ours.summary())")
        }
        let confident = ours.argmaxFlips.filter { $0 > 0.1 }
        #expect(confident.count * 1000 <= 15 * ours.top1.count, "\(label): argmax differs at margins \(confident)")
        #expect(!ours.argmaxFlips.contains { $0 > 0.5 }, "\(label): argmax differs at margins \(ours.argmaxFlips)")
    }

    @Test("teacher-forced logits stay within llama.cpp's own noise over 10 prompts x 40 positions, one pass each",
          arguments: [true, false])
    func teacherForcedOnePass(packed: Bool) throws {
        #expect(PreparedWeights.shared(for: TestModel.model).projections.allSatisfy { $0 != nil } || !PreparedWeights.packsWeights,
                "the default model packs where it can")
        // Unpacked, every matrix runs on vec_dot, as on CPUs without AVX-512 VNNI or AVX2.
        Self.check(try Self.onePassDeviation(TestModel.model, .smolLM2, packWeights: packed),
                   label: packed ? "one pass, packed GEMM" : "one pass, vec_dot")
    }

    /// Our deviation from every case of `fixtures`, each case's prompt plus generated tokens run in one pass.
    static func onePassDeviation(_ model: any DecoderModel, _ fixtures: LogitsFixture,
                                 packWeights: Bool = PreparedWeights.packsWeights,
                                 kvCacheDType: KVCacheDType = .auto) throws -> Deviation {
        var total = Deviation()
        for fixture in fixtures.cases {
            let tokens = (fixture.prompt_ids + fixture.generated_ids).map(Int32.init)
            let blocks = (tokens.count + Self.blockSize - 1) / Self.blockSize
            let groups = model.kvCacheLayout.groups.count
            let runner = ModelRunner(model: model, numBlocks: groups * blocks + 1, blockSize: Self.blockSize,
                                     maxBatchTokens: tokens.count, maxModelLength: 1024, packWeights: packWeights,
                                     kvCacheDType: kvCacheDType)
            var batch = ForwardBatch.singleSequence(
                tokens: tokens, startPosition: 0, blockTables: ForwardBatch.disjointBlockTables(numGroups: groups, numBlocks: blocks),
                blockSize: Self.blockSize)
            let first = fixture.prompt_ids.count - 1
            batch.logitIndices = (first..<(first + fixture.generated_ids.count)).map { Int32($0) }
            let logits = try runner.execute(batch)
            let vocabulary = runner.vocabularySize
            let rows = (0..<batch.logitIndices.count).map { row in
                logSoftmax(UnsafeBufferPointer(rebasing: logits[(row * vocabulary)..<((row + 1) * vocabulary)]))
            }
            let deviation = Self.deviation(fixture, rows: rows)
            total.all += deviation.all
            total.top1 += deviation.top1
            total.argmaxFlips += deviation.argmaxFlips
        }
        return total
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
                                 maxBatchTokens: 37, maxLogitRows: 1, maxModelLength: 1024)
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
        let deviation = Self.deviation(fixture, rows: rows)
        #expect(!deviation.argmaxFlips.contains { $0 > 0.5 }, "\(deviation.summary())")
        #expect(Deviation.percentile(deviation.all, 0.5) <= 0.1, "\(deviation.summary())")
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
