import Hummingbird
import SluiceEngine

extension APIError {
    /// The answer to an error the engine threw for a request, or `nil` for an error that is the
    /// server's fault (then the caller logs it and answers ``internalError``).
    ///
    /// `promptField` names what the prompt is in this API ("prompt" or "messages"), as vLLM's
    /// context-length message does.
    init?(engineError error: any Error, promptField: String, retryAfterSeconds: Int) {
        switch error {
        case let error as APIError:
            self = error
        case let error as SchedulerError:
            guard let mapped = Self.scheduler(error, promptField: promptField) else { return nil }
            self = mapped
        case let error as EngineError:
            guard let mapped = Self.engine(error, promptField: promptField, retryAfterSeconds: retryAfterSeconds)
            else { return nil }
            self = mapped
        case let error as SamplingError:
            self = .sampling(error)
        default:
            return nil
        }
    }

    private static func scheduler(_ error: SchedulerError, promptField: String) -> APIError? {
        switch error {
        case let .exceedsMaxModelLength(_, numPromptTokens, maxTokens, maxModelLength):
            return .badRequest(
                "This model's maximum context length is \(maxModelLength) tokens. However, you requested "
                    + "\(numPromptTokens + maxTokens) tokens (\(numPromptTokens) in the \(promptField), "
                    + "\(maxTokens) in the completion). Please reduce the length of the \(promptField) or completion.",
                param: promptField, code: "context_length_exceeded")
        case .emptyPrompt:
            return .badRequest("The \(promptField) is empty: it gives no tokens to start from.", param: promptField)
        case let .exceedsKVCache(_, numBlocksNeeded, numUsableBlocks):
            return .badRequest(
                "This request needs \(numBlocksNeeded) KV-cache blocks for its \(promptField) and max_tokens, but the "
                    + "server's whole KV cache has \(numUsableBlocks). Lower max_tokens or shorten the \(promptField).",
                param: "max_tokens", code: "context_length_exceeded")
        case let .invalidSamplingParams(_, samplingError):
            return .sampling(samplingError)
        case let .priorityNotEnabled(_, priority):
            return .badRequest(
                "Got priority \(priority), but priority scheduling is not enabled on this server "
                    + "(it runs with --scheduling-policy fcfs). Leave priority out or set it to 0.",
                param: "priority")
        case .duplicateRequestID, .invalidConfig:
            return nil
        }
    }

    private static func engine(_ error: EngineError, promptField: String, retryAfterSeconds: Int) -> APIError? {
        switch error {
        case let .invalidPromptToken(token, vocabularySize):
            return .badRequest(
                "The \(promptField) has token id \(token), which is not in the model's vocabulary of "
                    + "\(vocabularySize) tokens (valid ids are 0 to \(vocabularySize - 1)).",
                param: promptField)
        case let .queueFull(limit):
            return APIError(
                status: .tooManyRequests,
                message: "The server is busy: \(limit) requests are already waiting. Retry after \(retryAfterSeconds) s.",
                type: "rate_limit_error", code: "queue_full", headers: [.retryAfter: String(retryAfterSeconds)])
        case .shutDown:
            return APIError(
                status: .serviceUnavailable, message: "The server is shutting down and takes no new requests.",
                type: "server_error", code: "shutting_down")
        case .stalled:
            return nil
        }
    }

    /// A 400 for sampling parameters out of range; the engine's message starts with the field's
    /// OpenAI name ("top_p must be in (0, 1], got 2.0"), which becomes `param`.
    static func sampling(_ error: SamplingError) -> APIError {
        let message = error.description
        let firstWord = message.prefix { $0 != " " && $0 != "(" }
        let isField = !firstWord.isEmpty && firstWord.allSatisfy { $0.isLowercase || $0 == "_" }
        return .badRequest(message, param: isField ? String(firstWord) : nil)
    }
}
