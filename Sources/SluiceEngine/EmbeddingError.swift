import SluiceModel

/// Why the embedding engine refused or could not finish a request, with a message a user can act on.
public enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    /// The request has no inputs, or input `index` has no tokens.
    case emptyInput(index: Int?)
    /// Input `index` has more tokens than the model's context.
    case inputTooLong(index: Int, tokens: Int, maxTokens: Int)
    /// Input `index` has a token id outside the vocabulary.
    case tokenOutOfRange(index: Int, token: Int, vocabularySize: Int)
    /// The engine was shut down before the request finished.
    case shutDown
    /// The backend failed on a batch.
    case backend(ModelError)

    public var description: String {
        switch self {
        case .emptyInput(nil): return "the input is empty: send at least one text or token-id list"
        case .emptyInput(let index?): return "input \(index) is empty: every input needs at least one token"
        case .inputTooLong(let index, let tokens, let maxTokens):
            return "input \(index) has \(tokens) tokens, more than this model's context of \(maxTokens); "
                + "shorten it or set truncate_prompt_tokens"
        case .tokenOutOfRange(let index, let token, let vocabularySize):
            return "input \(index) has token id \(token), which is not in the model's vocabulary of \(vocabularySize) "
                + "tokens (valid ids are 0 to \(vocabularySize - 1))"
        case .shutDown: return "the embedding engine has shut down"
        case .backend(let error): return "the forward pass failed: \(error)"
        }
    }
}
