/// Why a tokenizer could not be built from a model's vocabulary metadata.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// `tokenizer.ggml.model` names a tokenizer family Sluice does not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer Sluice does not implement.
    case unsupportedPreTokenizer(String)
    /// A required metadata key is absent.
    case missingMetadata(String)
    /// The metadata contradicts itself; the message says how.
    case inconsistentMetadata(String)
    /// `tokenizer.json` is not JSON, or lacks or mistypes a key; the message names it.
    case invalidTokenizerJSON(String)
    /// `tokenizer.json` uses a pipeline stage (`stage`: model, normalizer, …) of a type Sluice lacks.
    case unsupportedComponent(stage: String, type: String)
    /// The unknown token a WordPiece model needs is not in its vocabulary.
    case missingUnknownToken(String)

    /// What went wrong, naming the metadata involved.
    public var description: String {
        switch self {
        case .unsupportedModel(let name):
            "unsupported tokenizer model \"\(name)\": Sluice supports \"gpt2\" (byte-level BPE), \"llama\" (SentencePiece BPE) and \"bert\" (WordPiece)"
        case .unsupportedPreTokenizer(let name):
            "unsupported pre-tokenizer \"\(name)\": Sluice supports \(PreTokenizer.supportedNames.joined(separator: ", "))"
        case .missingMetadata(let key):
            "tokenizer metadata \(key) is missing from the model file"
        case .inconsistentMetadata(let message):
            "inconsistent tokenizer metadata: \(message)"
        case .invalidTokenizerJSON(let message):
            "tokenizer.json is invalid: \(message)"
        case .unsupportedComponent(let stage, let type):
            "tokenizer.json uses \(stage) \(type), which Sluice does not implement; it reads model WordPiece, normalizer BertNormalizer, pre_tokenizer BertPreTokenizer, post_processor TemplateProcessing or BertProcessing, decoder WordPiece"
        case .missingUnknownToken(let token):
            "the WordPiece vocabulary has no unknown token \(token), which words it cannot split become"
        }
    }
}
