import Foundation

/// `tokenizer.json` as Hugging Face's `tokenizers` saves it: a model and the stages around it
/// (normaliser, pre-tokenizer, post-processor, decoder) plus the added tokens, each stage a
/// `"type"` and its options, as in swift-transformers' `Tokenizers`.
///
/// Each stage decodes to the variants Sluice implements or to `.unsupported(type)`, so that the
/// tokenizer can refuse a file by naming what it lacks; BPE and Unigram models, and the stages
/// they bring (ByteLevel, Metaspace, Sequence), become new cases here. Truncation and padding
/// are left out: the engine decides the context, and batches are packed without padding.
struct TokenizerJSON: Decodable {
    let model: ModelStage
    let normalizer: NormalizerStage?
    let preTokenizer: PreTokenizerStage?
    let postProcessor: PostProcessorStage?
    let decoder: DecoderStage?
    let addedTokens: [AddedToken]

    enum CodingKeys: String, CodingKey {
        case model, normalizer, decoder
        case preTokenizer = "pre_tokenizer"
        case postProcessor = "post_processor"
        case addedTokens = "added_tokens"
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(ModelStage.self, forKey: .model)
        normalizer = try container.decodeIfPresent(NormalizerStage.self, forKey: .normalizer)
        preTokenizer = try container.decodeIfPresent(PreTokenizerStage.self, forKey: .preTokenizer)
        postProcessor = try container.decodeIfPresent(PostProcessorStage.self, forKey: .postProcessor)
        self.decoder = try container.decodeIfPresent(DecoderStage.self, forKey: .decoder)
        addedTokens = try container.decodeIfPresent([AddedToken].self, forKey: .addedTokens) ?? []
    }

    /// Reads `data`, with errors that name the key at fault.
    static func decode(_ data: Data) throws(TokenizerError) -> TokenizerJSON {
        do {
            return try JSONDecoder().decode(TokenizerJSON.self, from: data)
        } catch let error as DecodingError {
            throw .invalidTokenizerJSON(Self.describe(error))
        } catch {
            throw .invalidTokenizerJSON("\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// The `"type"` of a stage.
    private enum TypeKey: String, CodingKey {
        case type
    }

    private static func stageType(of decoder: Decoder) throws -> String {
        try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
    }

    enum ModelStage: Decodable {
        case wordPiece(vocabulary: [String: Int], unknownToken: String, continuingSubwordPrefix: String, maxInputCharactersPerWord: Int)
        case unsupported(String)

        enum CodingKeys: String, CodingKey {
            case vocab
            case unknownToken = "unk_token"
            case continuingSubwordPrefix = "continuing_subword_prefix"
            case maxInputCharactersPerWord = "max_input_chars_per_word"
        }

        init(from decoder: Decoder) throws {
            let type = try TokenizerJSON.stageType(of: decoder)
            guard type == "WordPiece" else {
                self = .unsupported(type)
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self = .wordPiece(
                vocabulary: try container.decode([String: Int].self, forKey: .vocab),
                unknownToken: try container.decodeIfPresent(String.self, forKey: .unknownToken) ?? "[UNK]",
                continuingSubwordPrefix: try container.decodeIfPresent(String.self, forKey: .continuingSubwordPrefix) ?? "##",
                maxInputCharactersPerWord: try container.decodeIfPresent(Int.self, forKey: .maxInputCharactersPerWord) ?? 100)
        }
    }

    enum NormalizerStage: Decodable {
        case bert(BertNormalizer)
        case unsupported(String)

        enum CodingKeys: String, CodingKey {
            case cleanText = "clean_text"
            case handleChineseCharacters = "handle_chinese_chars"
            case stripAccents = "strip_accents"
            case lowercase
        }

        init(from decoder: Decoder) throws {
            let type = try TokenizerJSON.stageType(of: decoder)
            guard type == "BertNormalizer" else {
                self = .unsupported(type)
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let lowercase = try container.decodeIfPresent(Bool.self, forKey: .lowercase) ?? true
            self = .bert(BertNormalizer(
                cleanText: try container.decodeIfPresent(Bool.self, forKey: .cleanText) ?? true,
                handleChineseCharacters: try container.decodeIfPresent(Bool.self, forKey: .handleChineseCharacters) ?? true,
                // null: strip accents exactly when lower-casing, as BERT's uncased models do.
                stripAccents: try container.decodeIfPresent(Bool.self, forKey: .stripAccents) ?? lowercase,
                lowercase: lowercase))
        }
    }

    enum PreTokenizerStage: Decodable {
        case bert
        case unsupported(String)

        init(from decoder: Decoder) throws {
            let type = try TokenizerJSON.stageType(of: decoder)
            self = type == "BertPreTokenizer" ? .bert : .unsupported(type)
        }
    }

    /// What the post-processor puts around one sequence: special-token ids before and after.
    enum PostProcessorStage: Decodable {
        case template(single: [TemplateItem], specialTokens: [String: [Int]])
        case bert(classifier: Int, separator: Int)
        case unsupported(String)

        enum TemplateItem: Decodable, Equatable {
            case specialToken(String)
            case sequence(String)

            enum CodingKeys: String, CodingKey {
                case specialToken = "SpecialToken"
                case sequence = "Sequence"
            }

            private struct Named: Decodable {
                let id: String
            }

            init(from decoder: Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                if let special = try container.decodeIfPresent(Named.self, forKey: .specialToken) {
                    self = .specialToken(special.id)
                } else {
                    self = .sequence(try container.decode(Named.self, forKey: .sequence).id)
                }
            }
        }

        private struct SpecialToken: Decodable {
            let ids: [Int]
        }

        enum CodingKeys: String, CodingKey {
            case single, cls, sep
            case specialTokens = "special_tokens"
        }

        init(from decoder: Decoder) throws {
            let type = try TokenizerJSON.stageType(of: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch type {
            case "TemplateProcessing":
                let special = try container.decodeIfPresent([String: SpecialToken].self, forKey: .specialTokens) ?? [:]
                self = .template(single: try container.decode([TemplateItem].self, forKey: .single),
                                 specialTokens: special.mapValues(\.ids))
            case "BertProcessing":
                // Each is a [text, id] pair.
                func id(_ key: CodingKeys) throws -> Int {
                    var pair = try container.nestedUnkeyedContainer(forKey: key)
                    _ = try pair.decode(String.self)
                    return try pair.decode(Int.self)
                }
                self = .bert(classifier: try id(.cls), separator: try id(.sep))
            default:
                self = .unsupported(type)
            }
        }
    }

    enum DecoderStage: Decodable {
        case wordPiece(prefix: String)
        case unsupported(String)

        enum CodingKeys: String, CodingKey {
            case prefix
        }

        init(from decoder: Decoder) throws {
            let type = try TokenizerJSON.stageType(of: decoder)
            guard type == "WordPiece" else {
                self = .unsupported(type)
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self = .wordPiece(prefix: try container.decodeIfPresent(String.self, forKey: .prefix) ?? "##")
        }
    }

    struct AddedToken: Decodable {
        let id: Int
        let content: String
        let special: Bool
        let normalized: Bool
        let singleWord: Bool
        let leftStrip: Bool
        let rightStrip: Bool

        enum CodingKeys: String, CodingKey {
            case id, content, special, normalized
            case singleWord = "single_word"
            case leftStrip = "lstrip"
            case rightStrip = "rstrip"
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(Int.self, forKey: .id)
            content = try container.decode(String.self, forKey: .content)
            special = try container.decodeIfPresent(Bool.self, forKey: .special) ?? false
            // tokenizers' default: special tokens are matched in the raw text, others after normalising.
            normalized = try container.decodeIfPresent(Bool.self, forKey: .normalized) ?? !special
            singleWord = try container.decodeIfPresent(Bool.self, forKey: .singleWord) ?? false
            leftStrip = try container.decodeIfPresent(Bool.self, forKey: .leftStrip) ?? false
            rightStrip = try container.decodeIfPresent(Bool.self, forKey: .rightStrip) ?? false
        }
    }
}
