/// Why a model could not be loaded or run, with a message a user can act on.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unsupportedArchitecture(String)
    /// An encoder where a generating model was needed.
    case embeddingModel(String)
    case missingMetadata(key: String)
    case missingTensor(name: String)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case unsupportedTensorType(name: String, type: String)
    case misalignedTensor(name: String)
    case unsupportedShape(String)
    case batchTooLarge(tokens: Int, capacity: Int)
    case invalidBatch(String)
    case tokenOutOfRange(token: Int, vocabularySize: Int)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let arch):
            return "model architecture \"\(arch)\" is not supported; supported: \(ModelRegistry.supportedArchitectures.joined(separator: ", "))"
        case .embeddingModel(let arch):
            return "model architecture \"\(arch)\" is an embedding model: it serves POST /v1/embeddings, not text generation"
        case .missingMetadata(let key):
            return "GGUF metadata key \(key) is missing"
        case .missingTensor(let name):
            return "GGUF file has no tensor \(name)"
        case .tensorShape(let name, let expected, let found):
            return "tensor \(name) has shape \(found); expected \(expected)"
        case .unsupportedTensorType(let name, let type):
            return "tensor \(name) has type \(type), which Sluice cannot compute with yet"
        case .misalignedTensor(let name):
            return "tensor \(name) starts at an address its element type cannot be read from (the file's general.alignment is too small)"
        case .unsupportedShape(let why):
            return "unsupported model shape: \(why)"
        case .batchTooLarge(let tokens, let capacity):
            return "batch has \(tokens) tokens; the model runner was sized for \(capacity)"
        case .invalidBatch(let why):
            return "invalid batch: \(why)"
        case .tokenOutOfRange(let token, let vocabularySize):
            return "token id \(token) is outside the vocabulary (0..<\(vocabularySize))"
        }
    }
}
