/// Why a Hugging Face model folder's JSON files could not be read.
public enum HuggingFaceError: Error, CustomStringConvertible, Equatable {
    /// The file is missing or unreadable.
    case cannotRead(path: String, reason: String)
    /// The file is not JSON, or a key Sluice reads has the wrong type; the reason names the key.
    case invalidJSON(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        case .invalidJSON(let path, let reason): "\(path) is invalid: \(reason)"
        }
    }
}
