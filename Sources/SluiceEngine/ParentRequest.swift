/// A request with `n` completions: fanned out into `n` child requests for the core, and fanned
/// back in as their outputs end, in this one type.
///
/// As vLLM v1's `ParentRequest` (vllm/v1/engine/parallel_sampling.py): child `i` gets its own id
/// and `n = 1`, and a seeded request gives child `i` the seed `seed + i`, so the completions differ
/// yet each is reproducible. The children share the prompt's full blocks through the prefix cache:
/// the first one admitted caches them, the rest hit them in the same step (ARCHITECTURE.md,
/// decision 6). With `n = 1` the only child has the parent's own id. The core keeps one copy (to
/// abort every child at once), the output side another (to end the caller's stream after the
/// last completion); each marks children finished as it learns of them.
public struct ParentRequest: Sendable {
    /// The checked request as the caller submitted it.
    public let request: EngineCoreRequest
    /// Which children have not finished yet, by index.
    private var isLive: [Bool]
    /// How many children have not finished yet.
    public private(set) var numLive: Int

    public init(_ request: EngineCoreRequest) {
        self.request = request
        isLive = Array(repeating: true, count: request.params.n)
        numLive = request.params.n
    }

    /// The caller's id.
    public var requestID: RequestID { request.requestID }

    /// How many completions the caller asked for.
    public var n: Int { request.params.n }

    /// Child `index`'s id: the parent's own when `n` is 1, `id#index` otherwise (vLLM's
    /// `get_child_info` writes `index_id`; a suffix keeps a child's id sorted next to its parent's).
    public func childID(_ index: Int) -> RequestID {
        n == 1 ? requestID : RequestID("\(requestID.rawValue)#\(index)")
    }

    /// Every child's id, by index.
    public var childIDs: [RequestID] { (0..<n).map(childID) }

    /// Child `index`'s parameters: one completion, and the seed moved on by `index` (vLLM's
    /// `_get_child_sampling_params`).
    public func childParams(_ index: Int) -> SamplingParams {
        var params = request.params
        params.n = 1
        if let seed = params.seed { params.seed = seed &+ UInt64(index) }
        return params
    }

    /// The fan-out: the core request of every child, by index.
    public func makeChildren() -> [Request] {
        (0..<n).map { index in
            Request(requestID: childID(index), promptTokenIDs: request.promptTokenIDs,
                    samplingParams: childParams(index), priority: request.priority,
                    group: request.group ?? request.requestID.description)
        }
    }

    /// Whether child `index` has not finished.
    public func isChildLive(_ index: Int) -> Bool { isLive[index] }

    /// The indices of the children that have not finished.
    public var liveChildIndices: [Int] { isLive.indices.filter { isLive[$0] } }

    /// The fan-in: marks child `index` finished; true when it was the last one, so the caller's
    /// request is done. Marking a child twice changes nothing.
    @discardableResult
    public mutating func finishChild(_ index: Int) -> Bool {
        guard isLive[index] else { return false }
        isLive[index] = false
        numLive -= 1
        return numLive == 0
    }
}
