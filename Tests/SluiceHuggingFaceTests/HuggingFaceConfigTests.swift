import Foundation
import Testing
@testable import SluiceHuggingFace

@Suite("config.json and the sentence-transformers files")
struct HuggingFaceConfigTests {
    @Test("MiniLM's config.json reads as a 6-layer BERT of width 384, its pooling as mean then L2 normalisation")
    func minilm() throws {
        let folder = minilmFolder()
        let config = try HuggingFaceConfig(path: folder + "/config.json")
        #expect(config == HuggingFaceConfig(
            modelType: "bert", architectures: ["BertModel"], hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12,
            intermediateSize: 1536, maxPositionEmbeddings: 512, typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: "gelu",
            vocabSize: 30_522, positionEmbeddingType: "absolute", padTokenID: 0))
        #expect(try SentenceTransformersConfig(folder: folder) == SentenceTransformersConfig(pooling: .mean, normalize: true, maxSequenceLength: 256))
    }

    @Test("unknown keys are ignored; a missing model_type or a key of the wrong type is an error naming it")
    func decoding() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let minimal = try scratch.write("minimal.json", text: #"{"model_type": "nomic_bert", "rotary_emb_base": 1000, "n_embd": 768}"#)
        #expect(try HuggingFaceConfig(path: minimal) == HuggingFaceConfig(modelType: "nomic_bert"))

        func reason(_ text: String) throws -> String? {
            let path = try scratch.write("bad.json", text: text)
            do {
                _ = try HuggingFaceConfig(path: path)
                return nil
            } catch {
                guard case .invalidJSON(_, let reason) = error else { return "\(error)" }
                return reason
            }
        }
        #expect(try reason(#"{"hidden_size": 384}"#) == "model_type is missing")
        #expect(try reason(#"{"model_type": "bert", "hidden_size": "384"}"#)?.hasPrefix("hidden_size:") == true)
        #expect(try reason(#"{"model_type": "bert", "architectures": "BertModel"}"#)?.hasPrefix("architectures:") == true)
        #expect(try reason("{model_type: bert}")?.hasPrefix("not JSON") == true)
        #expect(throws: HuggingFaceError.cannotRead(path: scratch.path("absent.json"), reason: "no such file")) {
            _ = try HuggingFaceConfig(path: scratch.path("absent.json"))
        }
    }

    /// A folder with `modules` and, when given, a `1_Pooling/config.json` of `pooling`.
    private func folder(_ scratch: ScratchFolder, modules: [String], pooling: String?) throws -> String {
        let entries = modules.enumerated().map { index, type in
            #"{"idx": \#(index), "name": "\#(index)", "path": "\#(type == "Pooling" ? "1_Pooling" : "")", "type": "sentence_transformers.models.\#(type)"}"#
        }
        try scratch.write("modules.json", text: "[" + entries.joined(separator: ", ") + "]")
        if let pooling { try scratch.write("1_Pooling/config.json", text: pooling) }
        return scratch.url.path
    }

    @Test("pooling is mean, CLS or last token as the one flag set says; Normalize adds L2 normalisation; no modules.json is nil")
    func pooling() throws {
        let cases: [(String, SentenceTransformersConfig.Pooling)] = [
            (#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false, "word_embedding_dimension": 768}"#, .cls),
            (#"{"pooling_mode_mean_tokens": true, "pooling_mode_lasttoken": false}"#, .mean),
            (#"{"pooling_mode_lasttoken": true, "include_prompt": true}"#, .lastToken),
        ]
        for (json, expected) in cases {
            let scratch = try ScratchFolder()
            defer { scratch.remove() }
            let path = try folder(scratch, modules: ["Transformer", "Pooling"], pooling: json)
            #expect(try SentenceTransformersConfig(folder: path) == SentenceTransformersConfig(pooling: expected, normalize: false))
        }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        #expect(try SentenceTransformersConfig(folder: scratch.url.path) == nil)
        let normalized = try folder(scratch, modules: ["Transformer", "Pooling", "Normalize"], pooling: #"{"pooling_mode_mean_tokens": true}"#)
        #expect(try SentenceTransformersConfig(folder: normalized)?.normalize == true)
    }

    @Test("no pooling flag, two of them, a mode Sluice lacks, or no Pooling module is an error")
    func badPooling() throws {
        for json in [#"{"pooling_mode_mean_tokens": false}"#, #"{"pooling_mode_mean_tokens": true, "pooling_mode_cls_token": true}"#,
                     #"{"pooling_mode_max_tokens": true}"#, #"{"pooling_mode_mean_tokens": "yes"}"#] {
            let scratch = try ScratchFolder()
            defer { scratch.remove() }
            let path = try folder(scratch, modules: ["Transformer", "Pooling"], pooling: json)
            #expect(throws: HuggingFaceError.self, "\(json)") { _ = try SentenceTransformersConfig(folder: path) }
        }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try folder(scratch, modules: ["Transformer"], pooling: nil)
        #expect(throws: HuggingFaceError.invalidJSON(path: path + "/modules.json", reason: "no sentence_transformers.models.Pooling module")) {
            _ = try SentenceTransformersConfig(folder: path)
        }
    }
}
