/// One generation request's token state, as vLLM v1's `Request` (vllm/v1/request.py) and
/// nano-vllm's `Sequence`.
///
/// There are no prefill and decode phases: ``numComputedTokens`` catches up with ``numTokens``
/// (prompt plus output), whatever the mix (ARCHITECTURE.md, decision 1).
public struct Request: Sendable {
    /// The request's identity.
    public let requestID: RequestID
    /// How to pick each next token; ``SamplingParams/maxTokens`` caps the outputs.
    public let samplingParams: SamplingParams
    /// The prompt then the outputs: the tokens whose KV the request needs, one array so that a
    /// step never concatenates.
    public private(set) var allTokenIDs: [Int]
    /// How many leading tokens of ``allTokenIDs`` are the prompt.
    public let numPromptTokens: Int
    /// Under ``SchedulingPolicy/priority``, requests with a lower value run first (vLLM's
    /// `priority`); ties go by arrival. Must be 0 under ``SchedulingPolicy/fcfs``.
    public let priority: Int
    /// Its unit of fairness in the waiting queue (``Scheduler``); `nil`: a group of its own.
    public let group: String?
    /// Its place in the waiting queue among requests of equal priority, set when it is added:
    /// the turn of its group's arrival plus its index within the group, so groups take turns.
    public internal(set) var queueKey = 0
    /// Tokens whose KV is in the cache (hits included), or scheduled to be by the current step.
    public internal(set) var numComputedTokens = 0
    /// The prefix-cache hit, in tokens, at the first admission; `nil` before it.
    public internal(set) var numCachedTokens: Int?
    /// Where the request is in its life.
    public internal(set) var status = RequestStatus.waiting
    /// The order of submission to the scheduler, from 0.
    public internal(set) var arrivalIndex = 0
    /// How many times it was preempted by recompute.
    public internal(set) var numPreemptions = 0
    /// What stopped it when a stop token id or stop string did; `nil` for EOS and other reasons.
    public internal(set) var stopReason: StopReason?
    /// It finished because its logits processors said so (its grammar is complete), not on a stop token.
    public internal(set) var completedConstraint = false
    /// Its stop rules; the scheduler gives it the model's EOS and context when it is added.
    public internal(set) var stopChecker: StopChecker
    /// Draft tokens proposed to follow ``allTokenIDs`` (speculative decoding), verified by the next
    /// step that decodes it; never part of ``allTokenIDs`` until the model accepts them.
    public internal(set) var specTokenIDs: [Int] = []

    /// Makes a waiting request for `promptTokenIDs`.
    public init(requestID: RequestID, promptTokenIDs: [Int], samplingParams: SamplingParams = SamplingParams(),
                priority: Int = 0, group: String? = nil) {
        self.group = group
        self.requestID = requestID
        self.samplingParams = samplingParams
        self.priority = priority
        allTokenIDs = promptTokenIDs
        numPromptTokens = promptTokenIDs.count
        stopChecker = StopChecker(params: samplingParams, eosTokenIDs: [])
    }

    /// The prompt's token ids.
    public var promptTokenIDs: ArraySlice<Int> { allTokenIDs[..<numPromptTokens] }

    /// The generated token ids so far.
    public var outputTokenIDs: ArraySlice<Int> { allTokenIDs[numPromptTokens...] }

    /// Prompt plus output tokens.
    public var numTokens: Int { allTokenIDs.count }

    /// How many tokens it generated.
    public var numOutputTokens: Int { allTokenIDs.count - numPromptTokens }

    /// Tokens still to compute before the request can sample.
    public var numRemainingTokens: Int { numTokens - numComputedTokens }

    /// Appends a sampled token. Call it on the request in place (`requests[id]?.append(token)`):
    /// on a copy, the whole token array would be copied first, once per token.
    mutating func append(_ tokenID: Int) {
        allTokenIDs.append(tokenID)
    }
}
