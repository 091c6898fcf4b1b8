import CKernels
import Foundation
import SluiceCPU
import SluiceModel
import SluiceTokenizer
import Testing

/// nomic-embed-text-v1.5 (F16 GGUF) against llama.cpp's own embeddings of the same token ids
/// (scripts/make_embedding_fixtures.py).
@Suite("Encoders: nomic-bert against llama.cpp", .serialized)
struct EncoderModelTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
            let embedding_f16: String

            /// The peer's unit vector.
            var embedding: [Float] {
                let data = Data(base64Encoded: embedding_f16)!
                return stride(from: 0, to: data.count, by: 2).map { offset in
                    sl_fp16_to_fp32(UInt16(data[offset]) | UInt16(data[offset + 1]) << 8)
                }
            }
        }
        let dimensions: Int
        let cases: [Case]

        static let nomic: Fixture = {
            let url = Bundle.module.url(forResource: "embeddings_nomic", withExtension: "json", subdirectory: "Resources")!
            return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        }()
    }

    static let file: GGUFFile = {
        let path = RealModel.path("nomic-embed")
        do { return try GGUFFile(path: path) } catch { fatalError("cannot open \(path): \(error)") }
    }()

    static let model: any EncoderModel = {
        do { return try ModelRegistry.loadEncoder(file) } catch { fatalError("cannot load nomic-embed: \(error)") }
    }()

    // nonisolated(unsafe): a runner has one user at a time, and this suite runs its tests one by one.
    nonisolated(unsafe) static let runner = EncoderRunner(model: model, maxBatchTokens: 2048, maxBatchSequences: 64, threadCount: 2)

    static func cosine(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Double {
        var dot = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            aa += Double(x) * Double(x)
            bb += Double(y) * Double(y)
        }
        return dot / (aa * bb).squareRoot()
    }

    /// Runs `sequences` as one packed batch; one vector per input.
    static func embed(_ runner: EncoderRunner, _ sequences: [[Int32]]) throws -> [[Float]] {
        let width = runner.configuration.hiddenSize
        let out = try runner.embed(EncoderBatch(sequences))
        return (0..<sequences.count).map { Array(out[($0 * width)..<(($0 + 1) * width)]) }
    }

    @Test("the GGUF metadata fills the configuration: 12 layers, 768 wide, mean pooling, RoPE base 1000, LayerNorm eps 1e-12")
    func configuration() {
        let c = Self.model.configuration
        #expect(c.architecture == "nomic-bert")
        #expect(c.numLayers == 12 && c.hiddenSize == 768 && c.numHeads == 12 && c.headDim == 64)
        #expect(c.intermediateSize == 3072 && c.vocabularySize == 30522 && c.contextLength == 2048)
        #expect(c.pooling == .mean)
        #expect(c.ropeBase == 1000)
        #expect(abs(c.layerNormEps - 1e-12) < 1e-15)
        #expect(Self.model is NomicBertArchitecture)
        #expect(Self.runner.weights.projections.allSatisfy { $0 != nil } || !PreparedWeights.packsWeights,
                "every F16 projection runs on the packed GEMM where the CPU has it")
    }

    @Test("every one of the 200 texts (1 to 2048 tokens) embeds within cosine 0.999 of llama.cpp, packed many to a pass")
    func matchesLlamaCpp() throws {
        let fixture = Fixture.nomic
        #expect(fixture.cases.count == 200)
        var worst = 1.0
        var pending: [Fixture.Case] = []
        var tokens = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            let vectors = try Self.embed(Self.runner, pending.map(\.ids))
            for (item, vector) in zip(pending, vectors) {
                let cosine = Self.cosine(vector, item.embedding)
                worst = min(worst, cosine)
                #expect(cosine >= 0.999, "cosine \(cosine) for \(item.ids.count) tokens: \(item.text.prefix(60))")
            }
            pending.removeAll()
            tokens = 0
        }
        for item in fixture.cases {
            if tokens + item.ids.count > Self.runner.maxBatchTokens || pending.count == Self.runner.maxBatchSequences { try flush() }
            pending.append(item)
            tokens += item.ids.count
        }
        try flush()
        print("nomic-embed vs llama.cpp: worst cosine \(worst) over \(fixture.cases.count) texts")
    }

    @Test("with fp16 products off (the f32 FMAs, as on CPUs without AVX512-FP16) the texts match llama.cpp too, and the two paths agree",
          .enabled(if: sl_packed_f16_products(sl_packed_best_level()) != 0))
    func f32ProductsPath() throws {
        let runner = EncoderRunner(model: Self.model, maxBatchTokens: 512, maxBatchSequences: 16, threadCount: 2)
        #expect(runner.f16Products)
        let cases = Array(Fixture.nomic.cases.filter { $0.ids.count <= 32 }.prefix(16))
        let fp16 = try Self.embed(runner, cases.map(\.ids))
        runner.f16Products = false
        let fp32 = try Self.embed(runner, cases.map(\.ids))
        for (index, item) in cases.enumerated() {
            #expect(Self.cosine(fp32[index], item.embedding) >= 0.999)
            #expect(Self.cosine(fp16[index], fp32[index]) >= 0.999)
            // Different sums: fp16 chains are coarser than f32 FMAs, so the vectors are not identical.
            #expect(fp16[index] != fp32[index])
        }
    }

    @Test("an input gives the same vector alone and packed between others (within 1e-5), and every vector has unit length")
    func batchInvariance() throws {
        let cases = Fixture.nomic.cases
        let inputs = [cases[0].ids, cases[85].ids, cases[2].ids, cases[120].ids, cases[7].ids]
        let packed = try Self.embed(Self.runner, inputs)
        for (index, input) in inputs.enumerated() {
            let alone = try Self.embed(Self.runner, [input])[0]
            let difference = zip(alone, packed[index]).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-5, "input \(index): alone and packed differ by \(difference)")
            let norm = alone.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        // Reordered: position in the batch changes nothing either.
        let reversed = try Self.embed(Self.runner, inputs.reversed())
        for (index, vector) in reversed.reversed().enumerated() {
            #expect(zip(vector, packed[index]).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
    }

    @Test("the one-row path (weights not repacked) agrees with llama.cpp too")
    func oneRowPath() throws {
        let runner = EncoderRunner(model: Self.model, maxBatchTokens: 256, maxBatchSequences: 8, threadCount: 2, packWeights: false)
        #expect(runner.weights.projections.allSatisfy { $0 == nil })
        let cases = Array(Fixture.nomic.cases.prefix(6))
        let vectors = try Self.embed(runner, cases.map(\.ids))
        for (item, vector) in zip(cases, vectors) {
            #expect(Self.cosine(vector, item.embedding) >= 0.999)
        }
    }

    @Test("bad batches are refused by name: ids outside the vocabulary, inputs past the context, empty inputs, too many tokens")
    func badBatches() {
        let runner = Self.runner
        #expect(throws: ModelError.tokenOutOfRange(token: 30522, vocabularySize: 30522)) {
            _ = try runner.embed(EncoderBatch([[101, 30522, 102]]))
        }
        #expect(throws: ModelError.tokenOutOfRange(token: -1, vocabularySize: 30522)) {
            _ = try runner.embed(EncoderBatch([[101, -1, 102]]))
        }
        #expect(throws: ModelError.self) { _ = try runner.embed(EncoderBatch([[101], []])) }
        #expect(throws: ModelError.self) { _ = try runner.embed(EncoderBatch([])) }
        #expect(throws: ModelError.batchTooLarge(tokens: 2049, capacity: 2048)) {
            _ = try runner.embed(EncoderBatch([[Int32](repeating: 101, count: 2049)]))
        }
        #expect(throws: ModelError.self) { _ = try runner.embed(EncoderBatch(tokenIDs: [101, 102], lengths: [3])) }
    }

    @Test("text: the GGUF's WordPiece vocabulary tokenizes every fixture text to llama.cpp's ids")
    func textPath() throws {
        // Every one of the 200 texts tokenizes, through the GGUF's WordPiece vocabulary, as llama.cpp did.
        let tokenizer = try makeTokenizer(vocabulary: TokenizerVocabulary(gguf: Self.file))
        for item in Fixture.nomic.cases {
            let ids = tokenizer.encode(item.text, addSpecialTokens: true, parseSpecial: false)
            let expected = item.ids.map(Int.init)
            // The fixture keeps the first 2,048 ids of a longer text.
            #expect((expected.count == 2048 ? Array(ids.prefix(2048)) : ids) == expected, "\(item.text.prefix(60))")
        }
    }

    @Test("a decoder's loader refuses an embedding model by saying what it is")
    func decoderLoaderRefuses() {
        #expect(ModelRegistry.isEncoder(Self.file))
        #expect(throws: ModelError.embeddingModel("nomic-bert")) { _ = try ModelRegistry.load(Self.file) }
        #expect(ModelRegistry.supportedArchitectures.contains("nomic-bert"))
        #expect(ModelRegistry.supportedArchitectures.contains("bert"))
        #expect(throws: ModelError.unsupportedShape("llama is a generative model, not an embedding model")) {
            _ = try ModelRegistry.loadEncoder(TestModel.file)
        }
    }
}
