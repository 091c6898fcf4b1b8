/// Why the scheduler refused a configuration or a request, with a message a user can act on.
public enum SchedulerError: Error, Equatable, CustomStringConvertible {
    /// A limit in ``SchedulerConfig`` is out of range.
    case invalidConfig(String)
    /// The prompt has no tokens.
    case emptyPrompt(RequestID)
    /// Prompt plus `max_tokens` exceeds the model's context.
    case exceedsMaxModelLength(RequestID, numPromptTokens: Int, maxTokens: Int, maxModelLength: Int)
    /// Even alone, the request would need more KV blocks than the pool holds.
    case exceedsKVCache(RequestID, numBlocksNeeded: Int, numUsableBlocks: Int)
    /// A live request already has this id.
    case duplicateRequestID(RequestID)
    /// The sampling parameters are unusable.
    case invalidSamplingParams(RequestID, SamplingError)
    /// The request has a priority, but the scheduling policy is not ``SchedulingPolicy/priority``.
    case priorityNotEnabled(RequestID, priority: Int)

    /// The refusal as a sentence.
    public var description: String {
        switch self {
        case .invalidConfig(let why):
            return why
        case .emptyPrompt(let id):
            return "request \(id): the prompt is empty"
        case let .exceedsMaxModelLength(id, numPromptTokens, maxTokens, maxModelLength):
            return "request \(id): prompt has \(numPromptTokens) tokens and max_tokens is \(maxTokens) "
                + "(\(numPromptTokens + maxTokens) in all); this model's context is \(maxModelLength)"
        case let .exceedsKVCache(id, numBlocksNeeded, numUsableBlocks):
            return "request \(id): needs \(numBlocksNeeded) KV blocks for its prompt and max_tokens; "
                + "the whole KV cache has \(numUsableBlocks)"
        case .duplicateRequestID(let id):
            return "request \(id): a request with this id is already in flight"
        case let .invalidSamplingParams(id, error):
            return "request \(id): \(error)"
        case let .priorityNotEnabled(id, priority):
            return "request \(id): priority is \(priority), but priority scheduling is not enabled "
                + "(start the server with --scheduling-policy priority)"
        }
    }
}
