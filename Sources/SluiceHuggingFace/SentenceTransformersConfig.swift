import Foundation

/// How a sentence-transformers model turns token states into one embedding, from the files it
/// saves beside the weights: `modules.json` (the pipeline: Transformer, Pooling, maybe Normalize),
/// the Pooling module's `config.json`, and `sentence_bert_config.json`.
public struct SentenceTransformersConfig: Sendable, Equatable {
    /// The pooling modes Sluice implements.
    public enum Pooling: String, Sendable, Equatable {
        /// The average of the token states (`pooling_mode_mean_tokens`).
        case mean
        /// The first token's state, `[CLS]` (`pooling_mode_cls_token`).
        case cls
        /// The last token's state (`pooling_mode_lasttoken`).
        case lastToken = "lasttoken"
    }

    public var pooling: Pooling
    /// Whether a Normalize module follows pooling: the embedding is divided by its L2 norm.
    public var normalize: Bool
    /// `sentence_bert_config.json`'s `max_seq_length`: the tokens the model was trained to read.
    public var maxSequenceLength: Int?

    public init(pooling: Pooling, normalize: Bool, maxSequenceLength: Int? = nil) {
        self.pooling = pooling
        self.normalize = normalize
        self.maxSequenceLength = maxSequenceLength
    }

    static let poolingType = "sentence_transformers.models.Pooling"
    static let normalizeType = "sentence_transformers.models.Normalize"

    /// Reads the sentence-transformers files of `folder`; nil when it has no `modules.json` (a plain
    /// transformers checkpoint, whose pooling the caller decides).
    public init?(folder: String) throws(HuggingFaceError) {
        let modulesPath = (folder as NSString).appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: modulesPath) else { return nil }
        let modules = try HuggingFaceJSON.decode([Module].self, at: modulesPath)
        guard let poolingModule = modules.first(where: { $0.type == Self.poolingType }) else {
            throw .invalidJSON(path: modulesPath, reason: "no \(Self.poolingType) module")
        }
        let poolingPath = ((folder as NSString).appendingPathComponent(poolingModule.path) as NSString)
            .appendingPathComponent("config.json")
        let poolingConfig = try HuggingFaceJSON.decode(PoolingConfig.self, at: poolingPath)
        let bertConfigPath = (folder as NSString).appendingPathComponent("sentence_bert_config.json")
        var bertConfig: BertConfig?
        if FileManager.default.fileExists(atPath: bertConfigPath) {
            bertConfig = try HuggingFaceJSON.decode(BertConfig.self, at: bertConfigPath)
        }
        self.init(pooling: try poolingConfig.pooling(path: poolingPath),
                  normalize: modules.contains { $0.type == Self.normalizeType },
                  maxSequenceLength: bertConfig?.maxSequenceLength)
    }

    /// One entry of `modules.json`.
    struct Module: Decodable {
        let path: String
        let type: String
    }

    /// The Pooling module's `config.json`: one flag per mode, exactly one of them set.
    struct PoolingConfig: Decodable {
        var flags: [String: Bool] = [:]

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            for key in container.allKeys where key.stringValue.hasPrefix("pooling_mode_") {
                flags[key.stringValue] = try container.decode(Bool.self, forKey: key)
            }
        }

        func pooling(path: String) throws(HuggingFaceError) -> Pooling {
            let set = flags.filter(\.value).keys.sorted()
            let known: [String: Pooling] = [
                "pooling_mode_mean_tokens": .mean, "pooling_mode_cls_token": .cls, "pooling_mode_lasttoken": .lastToken,
            ]
            guard set.count == 1, let pooling = known[set[0]] else {
                let found = set.isEmpty ? "none" : set.joined(separator: ", ")
                throw .invalidJSON(path: path, reason: "Sluice pools by exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token, pooling_mode_lasttoken; this sets \(found)")
            }
            return pooling
        }
    }

    /// `sentence_bert_config.json`.
    struct BertConfig: Decodable {
        let maxSequenceLength: Int?

        enum CodingKeys: String, CodingKey {
            case maxSequenceLength = "max_seq_length"
        }
    }

    struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
