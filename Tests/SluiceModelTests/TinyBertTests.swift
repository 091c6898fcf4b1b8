import Foundation
import SluiceCPU
import SluiceModel
import Testing

/// The `bert` architecture (absolute positions, token type 0, biases, GELU, post-norm LayerNorms) on a tiny
/// pseudo-random model against llama.cpp's embeddings of it (scripts/make_tiny_bert.py).
@Suite("Encoders: tiny bert against llama.cpp")
struct TinyBertTests {
    /// The reference part of tiny_bert.json; the weights and hyper-parameters decode as a `TinyModelFixture`.
    struct Reference: Decodable {
        let inputs: [[Int32]]
        let embeddings: [[Float]]
    }

    @Test("every input (1 to 128 tokens) embeds within cosine 0.999 of llama.cpp, packed and alone, packed GEMM and one-row path")
    func matchesLlamaCpp() throws {
        let fixture = try TinyModelFixture.named("bert")
        for tensor in fixture.tensors {
            #expect(TinyWeights.fnv1a64(try fixture.bytes(of: tensor).bytes) == tensor.fnv1a64, "\(tensor.name) rebuilt")
        }
        let url = try #require(Bundle.module.url(forResource: "tiny_bert", withExtension: "json", subdirectory: "Resources"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let directory = try GGUFScratchDirectory()
        let file = try GGUFFile(path: try directory.write(try fixture.gguf(), name: "tiny_bert.gguf"))
        let model = try ModelRegistry.loadEncoder(file)
        #expect(model is BertArchitecture)
        let c = model.configuration
        #expect(c.pooling == .mean && c.contextLength == 128 && c.tokenTypeCount == 2 && c.headDim == 16)

        var worst = 1.0
        for pack in [true, false] {
            let runner = EncoderRunner(model: model, maxBatchTokens: 512, maxBatchSequences: 16, threadCount: 2, packWeights: pack)
            let width = c.hiddenSize
            let packed = try runner.embed(EncoderBatch(reference.inputs))
            let together = (0..<reference.inputs.count).map { Array(packed[($0 * width)..<(($0 + 1) * width)]) }
            for (index, input) in reference.inputs.enumerated() {
                let alone = Array(try runner.embed(EncoderBatch([input])))
                let expected = reference.embeddings[index]
                let cosine = zip(alone, expected).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                worst = min(worst, cosine)
                #expect(cosine >= 0.999, "pack \(pack), input of \(input.count) tokens: cosine \(cosine)")
                #expect(zip(alone, together[index]).allSatisfy { abs($0 - $1) <= 1e-5 }, "pack \(pack): alone = packed")
            }
        }
        print("tiny bert vs llama.cpp: worst cosine \(worst)")
    }

    @Test("a configuration filled field by field (as config.json will) loads the same model through the TensorSource seam")
    func memberwiseConfiguration() throws {
        let fixture = try TinyModelFixture.named("bert")
        let directory = try GGUFScratchDirectory()
        let file = try GGUFFile(path: try directory.write(try fixture.gguf(), name: "tiny_bert.gguf"))
        let configuration = EncoderConfiguration(
            architecture: "bert", numLayers: 2, hiddenSize: 64, intermediateSize: 128, numHeads: 4, headDim: 16,
            layerNormEps: 1e-12, contextLength: 128, vocabularySize: 320, tokenTypeCount: 2, pooling: .mean)
        #expect(configuration == (try ModelRegistry.loadEncoder(file)).configuration)
        let model = try ModelRegistry.loadEncoder(source: file, configuration: configuration)
        let runner = EncoderRunner(model: model, maxBatchTokens: 128, threadCount: 1)
        let url = try #require(Bundle.module.url(forResource: "tiny_bert", withExtension: "json", subdirectory: "Resources"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let vector = Array(try runner.embed(EncoderBatch([reference.inputs[4]])))
        #expect(zip(vector, reference.embeddings[4]).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } >= 0.999)
        // CLS pooling is a different vector: the pooling field is honoured.
        var cls = configuration
        cls.pooling = .cls
        let clsRunner = EncoderRunner(model: try ModelRegistry.loadEncoder(source: file, configuration: cls), maxBatchTokens: 128,
                                      threadCount: 1)
        let first = Array(try clsRunner.embed(EncoderBatch([reference.inputs[4]])))
        #expect(zip(first, vector).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } < 0.999)
        #expect(throws: ModelError.unsupportedArchitecture("roberta")) {
            var other = configuration
            other.architecture = "roberta"
            _ = try ModelRegistry.loadEncoder(source: file, configuration: other)
        }
    }

    @Test("an input longer than the position table is refused, not read past it")
    func pastContext() throws {
        let fixture = try TinyModelFixture.named("bert")
        let directory = try GGUFScratchDirectory()
        let model = try ModelRegistry.loadEncoder(try GGUFFile(path: try directory.write(try fixture.gguf(), name: "tiny_bert.gguf")))
        let runner = EncoderRunner(model: model, maxBatchTokens: 512, threadCount: 1)
        #expect(throws: ModelError.self) { _ = try runner.embed(EncoderBatch([[Int32](repeating: 5, count: 129)])) }
    }
}
