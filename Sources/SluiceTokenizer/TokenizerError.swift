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

    /// What went wrong, naming the metadata involved.
    public var description: String {
        switch self {
        case .unsupportedModel(let name):
            "unsupported tokenizer model \"\(name)\": Sluice supports \"gpt2\" (byte-level BPE) and \"llama\" (SentencePiece BPE)"
        case .unsupportedPreTokenizer(let name):
            "unsupported pre-tokenizer \"\(name)\": Sluice supports \(PreTokenizer.supportedNames.joined(separator: ", "))"
        case .missingMetadata(let key):
            "tokenizer metadata \(key) is missing from the model file"
        case .inconsistentMetadata(let message):
            "inconsistent tokenizer metadata: \(message)"
        }
    }
}
