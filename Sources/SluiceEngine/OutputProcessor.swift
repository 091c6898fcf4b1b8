import SluiceTokenizer

/// Turns the engine core's tokens into each completion's outputs: text through a
/// ``StopStringDetector``, stop strings, `n > 1` fan-out and per-request metrics.
///
/// As vLLM v1's `OutputProcessor` with its `ParentRequest`: a request with `n > 1` becomes `n`
/// core requests with the same prompt, which share its full blocks through the prefix cache
/// (the first one admitted caches them, the rest hit). Owned by the step thread.
struct OutputProcessor {
    private let tokenizer: any Tokenizer

    /// The state of one completion (one core request).
    private struct Completion {
        let parentID: RequestID
        let index: Int
        let params: SamplingParams
        var detector: StopStringDetector
        let arrival: ContinuousClock.Instant
        var lastTokenTime: ContinuousClock.Instant?
        var metrics: RequestMetrics
    }

    private var completions: [RequestID: Completion] = [:]
    /// Each live request's completions still running, by the caller's id.
    private var liveChildren: [RequestID: Set<RequestID>] = [:]

    init(tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// The core request ids of a request with `n` completions: its own id when `n` is 1.
    static func childIDs(of requestID: RequestID, n: Int) -> [RequestID] {
        n == 1 ? [requestID] : (0..<n).map { RequestID("\(requestID.rawValue)#\($0)") }
    }

    /// The core requests that generate `requestID`'s completions; seeded ones get seeds
    /// `seed, seed + 1, …` so each completion differs yet all are reproducible, as vLLM does.
    static func childRequests(requestID: RequestID, promptTokenIDs: [Int], params: SamplingParams,
                              priority: Int = 0) -> [Request] {
        childIDs(of: requestID, n: params.n).enumerated().map { index, childID in
            var childParams = params
            childParams.n = 1
            if let seed = params.seed { childParams.seed = seed &+ UInt64(index) }
            return Request(requestID: childID, promptTokenIDs: promptTokenIDs, samplingParams: childParams,
                           priority: priority)
        }
    }

    /// Starts tracking the completions of `requests` (from ``childRequests(requestID:promptTokenIDs:params:)``).
    mutating func add(requestID: RequestID, children: [Request], arrival: ContinuousClock.Instant) {
        for (index, child) in children.enumerated() {
            var metrics = RequestMetrics()
            metrics.numPromptTokens = child.numPromptTokens
            completions[child.requestID] = Completion(
                parentID: requestID, index: index, params: child.samplingParams,
                detector: StopStringDetector(tokenizer: tokenizer, params: child.samplingParams),
                arrival: arrival, metrics: metrics)
        }
        liveChildren[requestID] = Set(children.map(\.requestID))
    }

    /// Whether a request with this caller id is being generated.
    func isLive(_ requestID: RequestID) -> Bool { liveChildren[requestID] != nil }

    /// The core ids of a request's completions still running.
    func liveChildIDs(of requestID: RequestID) -> [RequestID] {
        Array(liveChildren[requestID] ?? [])
    }

    /// Notes the first step that runs each of these core requests, for queue time.
    mutating func markScheduled(_ ids: [RequestID], at now: ContinuousClock.Instant) {
        for id in ids where completions[id]?.metrics.queueTime == nil {
            if let arrival = completions[id]?.arrival { completions[id]!.metrics.queueTime = seconds(now - arrival) }
        }
    }

    /// What a step's updates give.
    struct Result {
        /// One output per completion that got a token, in batch order.
        var outputs: [RequestOutput] = []
        /// Core requests that a stop string ended: the engine must finish them in the core.
        var stoppedByString: [(RequestID, String)] = []
        /// Callers' requests whose completions have all finished.
        var finishedRequestIDs: [RequestID] = []
    }

    /// Detokenizes each update, applies stop strings and builds the outputs.
    mutating func process(_ updates: [EngineCore.Update], at now: ContinuousClock.Instant) -> Result {
        var result = Result()
        for update in updates {
            guard var completion = completions[update.requestID] else { continue }
            let token = update.token
            if let last = completion.lastTokenTime {
                completion.metrics.interTokenLatencies.append(seconds(now - last))
            } else {
                completion.metrics.timeToFirstToken = seconds(now - completion.arrival)
            }
            completion.lastTokenTime = now
            completion.metrics.numGenerationTokens += 1

            var finishReason: FinishReason?
            var stopReason: StopReason?
            if let finished = update.finished, case .finished(let reason) = finished.status {
                finishReason = reason
                stopReason = finished.stopReason
            }
            // A stop token's text is left out unless asked for, as vLLM's detokenizer does.
            let stoppedByToken = finishReason == .stop && !completion.params.includeStopStringInOutput
            var text = ""
            if !stoppedByToken {
                let (released, stop) = completion.detector.add(token.tokenID)
                text = released
                if let stop {
                    // The stop string wins over a length finish in the same step, as in vLLM.
                    if finishReason == nil { result.stoppedByString.append((update.requestID, stop)) }
                    finishReason = .stop
                    stopReason = .string(stop)
                }
            }
            // Any other ending releases what was held back for stop strings that can no longer come.
            if finishReason != nil, !stopReason.isString { text += completion.detector.flush() }
            var output = RequestOutput(
                requestID: completion.parentID, index: completion.index,
                numPromptTokens: completion.metrics.numPromptTokens, tokenIDs: [token.tokenID], text: text,
                logprobs: completion.params.logprobs == nil ? nil : [token],
                numOutputTokens: completion.metrics.numGenerationTokens,
                finishReason: finishReason, stopReason: stopReason)
            if finishReason != nil {
                completion.metrics.e2eLatency = seconds(now - completion.arrival)
                if let finished = update.finished {
                    completion.metrics.numCachedTokens = finished.numCachedTokens ?? 0
                    completion.metrics.numPreemptions = finished.numPreemptions
                }
                output.metrics = completion.metrics
                complete(update.requestID, parentID: completion.parentID, into: &result)
            } else {
                completions[update.requestID] = completion
            }
            result.outputs.append(output)
        }
        return result
    }

    /// Ends every running completion of `requestID` with ``FinishReason/abort``; returns their
    /// last outputs and the core ids to abort.
    mutating func abort(_ requestID: RequestID, at now: ContinuousClock.Instant) -> (outputs: [RequestOutput], childIDs: [RequestID]) {
        let children = liveChildIDs(of: requestID).sorted { completions[$0]!.index < completions[$1]!.index }
        var result = Result()
        var outputs: [RequestOutput] = []
        for id in children {
            guard var completion = completions[id] else { continue }
            completion.metrics.e2eLatency = seconds(now - completion.arrival)
            outputs.append(RequestOutput(
                requestID: requestID, index: completion.index, numPromptTokens: completion.metrics.numPromptTokens,
                tokenIDs: [], text: "", logprobs: completion.params.logprobs == nil ? nil : [],
                numOutputTokens: completion.metrics.numGenerationTokens, finishReason: .abort,
                stopReason: nil, metrics: completion.metrics))
            complete(id, parentID: requestID, into: &result)
        }
        return (outputs, children)
    }

    /// Forgets a finished completion, and its request when it was the last.
    private mutating func complete(_ id: RequestID, parentID: RequestID, into result: inout Result) {
        completions[id] = nil
        liveChildren[parentID]?.remove(id)
        if liveChildren[parentID]?.isEmpty == true {
            liveChildren[parentID] = nil
            result.finishedRequestIDs.append(parentID)
        }
    }
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}
