import Foundation
import Testing
import SluiceCPU
@testable import SluiceModel

/// A real model people download: Qwen2.5-Coder-0.5B-Instruct Q4_K_M mixes Q5_0 and Q8_0 (rows of 896,
/// not a multiple of 256) with Q4_K and Q6_K (the down projections), so Q/K/V run as two packed GEMMs
/// (Q5_0 Q and K, Q8_0 V in some layers) and the K-quants take Q8_K activations.
@Suite("Qwen2.5-Coder-0.5B Q4_K_M against llama.cpp", .serialized)
struct QwenModelTests {
    static let blockSize = 16

    @Test("every matrix of the real model has a packed layout, its projections split where types change")
    func everythingPacks() throws {
        try #require(PreparedWeights.packsWeights)
        let model = try #require(RealModel.qwen05B as? Qwen2Architecture)
        let weights = PreparedWeights.shared(for: model)
        #expect(weights.packed(model.output) != nil, "the Q8_0 LM head is packed")
        for layer in model.layers {
            for linear in [layer.qkv, layer.attentionOutput, layer.gateUp, layer.down] {
                let packed = try #require(weights.packed(linear))
                var runs = 1
                for (a, b) in zip(linear.parts, linear.parts.dropFirst()) where a.type != b.type { runs += 1 }
                #expect(packed.pieces.count == runs)
            }
        }
        let types = Set(model.layers.flatMap { [$0.qkv.parts[0].type, $0.qkv.parts[2].type, $0.down.parts[0].type].map(\.rawValue) })
        #expect(types.count >= 3, "the file mixes formats: \(types)")
    }

    @Test("teacher-forced logits stay within llama.cpp's own noise over every prompt, one pass each")
    func teacherForcedOnePass() throws {
        try Self.checkTeacherForced(RealModel.qwen05B, LogitsFixture.qwen05B, label: "Qwen2.5-Coder-0.5B one pass")
    }

    /// The 1.5B model (Q4_K and Q6_K), the reference model for speed: 1.1 GB to fetch, so it runs only
    /// with SLUICE_LARGE_MODELS=1 (benchmark machines), not in CI.
    @Test("Qwen2.5-Coder-1.5B: teacher-forced logits stay within llama.cpp's own noise",
          .enabled(if: ProcessInfo.processInfo.environment["SLUICE_LARGE_MODELS"] == "1"))
    func teacherForcedOnePass15B() throws {
        try Self.checkTeacherForced(RealModel.qwen15B, LogitsFixture.named("logits_qwen15b"),
                                    label: "Qwen2.5-Coder-1.5B one pass")
    }

    static func checkTeacherForced(_ model: any DecoderModel, _ fixtures: LogitsFixture, label: String) throws {
        LlamaModelTests.check(try LlamaModelTests.onePassDeviation(model, fixtures), label: label,
                              floor: LlamaModelTests.noiseFloor(of: fixtures))
    }

    /// A bf16 KV cache keeps f16's accuracy: its logits stay within llama.cpp's own noise.
    @Test("with a bf16 KV cache, teacher-forced logits stay within llama.cpp's own noise")
    func bf16KVCache() throws {
        let fixtures = LogitsFixture(cases: Array(LogitsFixture.qwen05B.cases.prefix(5)))
        let ours = try LlamaModelTests.onePassDeviation(RealModel.qwen05B, fixtures, kvCacheDType: .bf16)
        LlamaModelTests.check(ours, label: "Qwen2.5-Coder-0.5B, bf16 KV cache", floor: LlamaModelTests.noiseFloor(of: fixtures))
    }

    /// Q8_0 keys lose Qwen2.5's small dims beside its large ones, in llama.cpp too: with `-ctk q8_0 -ctv
    /// q8_0` (flash attention, llama-cpp-python 0.3.36) its own deviation from these f16-cache fixtures,
    /// over the same 5 prompts, is median 0.085, p90 0.336 (top-5 log-probs) and top-1 median 0.0124, p90
    /// 0.110. Ours stays within 3 times those (measured: about 2 times; BENCHMARKS.md).
    @Test("with a Q8_0 KV cache, teacher-forced logits stay within 3 times llama.cpp's own Q8_0 cache deviation")
    func q8KVCache() throws {
        let fixtures = LogitsFixture(cases: Array(LogitsFixture.qwen05B.cases.prefix(5)))
        let ours = try LlamaModelTests.onePassDeviation(RealModel.qwen05B, fixtures, kvCacheDType: .q8_0)
        print("Qwen2.5-Coder-0.5B, q8_0 KV cache: \(ours.summary())")
        typealias D = LlamaModelTests.Deviation
        #expect(D.percentile(ours.all, 0.5) <= 3 * 0.085 && D.percentile(ours.all, 0.9) <= 3 * 0.336, "\(ours.summary())")
        #expect(D.percentile(ours.top1, 0.5) <= 3 * 0.0124 && D.percentile(ours.top1, 0.9) <= 3 * 0.110, "\(ours.summary())")
        // And it is not f16 under another name: the cache really holds 8-bit keys.
        #expect(D.percentile(ours.all, 0.5) > D.percentile(LlamaModelTests.noiseFloor(of: fixtures).all, 0.5))
    }

    @Test("decoding one token at a time (the unexpanded GEMM tiles) agrees with the one-pass prefill")
    func decodeMatchesPrefill() throws {
        let model = RealModel.qwen05B
        let fixture = try #require(LogitsFixture.qwen05B.cases.first)
        let tokens = (fixture.prompt_ids + fixture.generated_ids).map(Int32.init)
        let blocks = (tokens.count + Self.blockSize - 1) / Self.blockSize
        let table = (1...blocks).map { Int32($0) }
        let runner = ModelRunner(model: model, numBlocks: blocks + 1, blockSize: Self.blockSize,
                                 maxBatchTokens: tokens.count, maxModelLength: 1024)
        var whole = ForwardBatch.singleSequence(tokens: tokens, startPosition: 0, blockTable: table, blockSize: Self.blockSize)
        let first = fixture.prompt_ids.count - 1
        whole.logitIndices = (first..<(tokens.count - 1)).map { Int32($0) }
        let vocabulary = runner.vocabularySize
        let onePass = Array(try runner.execute(whole))
        _ = try runner.execute(.singleSequence(tokens: Array(tokens[..<first]), startPosition: 0, blockTable: table,
                                               blockSize: Self.blockSize))
        var flips = 0
        for position in first..<(tokens.count - 1) {
            let row = Array(try runner.execute(.singleSequence(tokens: [tokens[position]], startPosition: position,
                                                               blockTable: table, blockSize: Self.blockSize)))
            let reference = Array(onePass[((position - first) * vocabulary)..<((position - first + 1) * vocabulary)])
            let ours = logSoftmax(row.withUnsafeBufferPointer { $0 })
            let theirs = logSoftmax(reference.withUnsafeBufferPointer { $0 })
            let top = theirs.indices.max { theirs[$0] < theirs[$1] }!
            #expect(abs(ours[top] - theirs[top]) < 0.3, "position \(position): top-1 log-prob \(ours[top]) vs \(theirs[top])")
            if ours.indices.max(by: { ours[$0] < ours[$1] }) != top { flips += 1 }
        }
        #expect(flips <= 2, "\(flips) argmax flips between decode and prefill")
    }
}
