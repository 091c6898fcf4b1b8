/// Which of the request's own stop conditions ended it, as vLLM's `stop_reason`: the stop token
/// id or the stop string (EOS leaves it `nil`).
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    /// A token of `stop_token_ids` was sampled.
    case tokenID(Int)
    /// A `stop` string appeared in the text.
    case string(String)

    /// The reason as vLLM prints it.
    public var description: String {
        switch self {
        case .tokenID(let id): return String(id)
        case .string(let text): return text
        }
    }
}

extension StopReason? {
    /// Whether a stop string ended the request.
    var isString: Bool {
        if case .string = self { return true }
        return false
    }
}
