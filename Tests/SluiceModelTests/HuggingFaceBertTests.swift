import Foundation
import SluiceCPU
import SluiceModel
import SluiceTokenizer
import Testing

/// all-MiniLM-L6-v2 from its Hugging Face folder (safetensors, config.json, tokenizer.json, the
/// sentence-transformers files) against a numpy BERT over the same weights (scripts/make_minilm_fixtures.py).
@Suite("Encoders: all-MiniLM-L6-v2 from the Hugging Face layout", .serialized)
struct HuggingFaceBertTests {
    static let folder = RealModel.path("minilm")

    static let fixture: EncoderModelTests.Fixture = {
        let url = Bundle.module.url(forResource: "embeddings_minilm", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(EncoderModelTests.Fixture.self, from: Data(contentsOf: url))
    }()

    static let model: any EncoderModel = {
        do { return try ModelRegistry.loadEncoder(folder: folder) } catch { fatalError("cannot load MiniLM: \(error)") }
    }()

    // nonisolated(unsafe): a runner has one user at a time, and this suite runs its tests one by one.
    nonisolated(unsafe) static let runner = EncoderRunner(model: model, maxBatchTokens: 2048, maxBatchSequences: 64, threadCount: 2)

    @Test("config.json and the sentence-transformers files fill the configuration: bert, 6 layers, 384 wide, mean pooling")
    func configuration() {
        let c = Self.model.configuration
        #expect(c.architecture == "bert" && Self.model is BertArchitecture)
        #expect(c.numLayers == 6 && c.hiddenSize == 384 && c.numHeads == 12 && c.headDim == 32)
        #expect(c.intermediateSize == 1536 && c.vocabularySize == 30522 && c.contextLength == 512 && c.tokenTypeCount == 2)
        #expect(c.pooling == .mean)
    }

    @Test("every one of the 200 texts embeds within cosine 0.999 of the reference, from the fixture's ids, packed")
    func matchesReference() throws {
        var worst = 1.0
        var batches: [[EncoderModelTests.Fixture.Case]] = [[]]
        for item in Self.fixture.cases {
            if batches[batches.count - 1].reduce(0, { $0 + $1.ids.count }) + item.ids.count > Self.runner.maxBatchTokens {
                batches.append([])
            }
            batches[batches.count - 1].append(item)
        }
        for batch in batches {
            let vectors = try EncoderModelTests.embed(Self.runner, batch.map(\.ids))
            for (item, vector) in zip(batch, vectors) {
                let cosine = EncoderModelTests.cosine(vector, item.embedding)
                worst = min(worst, cosine)
                #expect(cosine >= 0.999, "cosine \(cosine): \(item.text.prefix(60))")
            }
        }
        print("all-MiniLM-L6-v2 vs the numpy reference: worst cosine \(worst) over \(Self.fixture.cases.count) texts")
    }

    @Test("tokenizer.json's WordPiece gives the reference's ids for every text")
    func tokenizer() throws {
        let tokenizer = try makeTokenizer(tokenizerJSONAt: (Self.folder as NSString).appendingPathComponent("tokenizer.json"))
        for item in Self.fixture.cases {
            #expect(tokenizer.encode(item.text, addSpecialTokens: true, parseSpecial: false) == item.ids.map(Int.init),
                    "\(item.text.prefix(60))")
        }
    }

    @Test("a folder that is not a BERT the loader can run is refused by name")
    func refusals() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = try String(contentsOfFile: (Self.folder as NSString).appendingPathComponent("config.json"), encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: scratch.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: URL(fileURLWithPath: Self.folder).appendingPathComponent("model.safetensors"))
        func load(_ configText: String) throws -> String {
            try configText.write(to: scratch.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
            do { _ = try ModelRegistry.loadEncoder(folder: scratch.path); return "loaded" } catch { return "\(error)" }
        }
        #expect(try load(config) == "loaded", "the same files, without the sentence-transformers ones, load (mean pooling)")
        #expect(try load(config.replacingOccurrences(of: "\"bert\"", with: "\"roberta\"")).contains("roberta"))
        #expect(try load(config.replacingOccurrences(of: "\"gelu\"", with: "\"relu\"")).contains("relu"))
        #expect(try load(config.replacingOccurrences(of: "\"hidden_size\": 384", with: "\"hidden_size\": 768")).contains("shape"))
        #expect(try load(config.replacingOccurrences(of: "\"num_hidden_layers\": 6,", with: "")).contains("num_hidden_layers"))
    }
}
