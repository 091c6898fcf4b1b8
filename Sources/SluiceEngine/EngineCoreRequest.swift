/// A request that passed ``RequestValidator``: the only form in which a request reaches
/// ``EngineCore``, so nothing below the engine's door checks sampling parameters, token ids or
/// lengths again (as vLLM v1's `EngineCoreRequest`, made by its input processor).
///
/// Its initializer is internal: outside this module a request is checked to get one.
public struct EngineCoreRequest: Sendable {
    /// The caller's id; the completions of `n > 1` get ids of their own (``ParentRequest``).
    public let requestID: RequestID
    public let promptTokenIDs: [Int]
    /// Within their ranges, token ids inside the vocabulary.
    public let params: SamplingParams
    /// Lower runs first under ``SchedulingPolicy/priority``; 0 under FCFS.
    public let priority: Int
    /// When the caller submitted it, for queue time and TTFT.
    public let arrival: ContinuousClock.Instant
    /// The caller's unit of fairness (one HTTP request's prompts, say): requests of one group take
    /// turns with other groups' requests in the waiting queue instead of all going first; `nil`
    /// makes the request a group of its own (``Scheduler``'s admission order).
    public let group: String?

    init(requestID: RequestID, promptTokenIDs: [Int], params: SamplingParams, priority: Int,
         arrival: ContinuousClock.Instant, group: String? = nil) {
        self.group = group
        self.requestID = requestID
        self.promptTokenIDs = promptTokenIDs
        self.params = params
        self.priority = priority
        self.arrival = arrival
    }
}
