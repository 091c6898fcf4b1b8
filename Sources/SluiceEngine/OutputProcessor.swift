import SluiceTokenizer

/// Turns the core's tokens into each completion's outputs: incremental detokenization, the stop
/// strings of each request's ``StopChecker``, the fan-in of `n > 1` through ``ParentRequest``, and
/// per-completion metrics.
///
/// As vLLM v1's `OutputProcessor` (vllm/v1/engine/output_processor.py): it never calls into the
/// core; the children whose text reached a stop string come back in ``Result/stoppedByString`` (vLLM's
/// `reqs_to_abort`) for the engine to finish between steps. Tokens of a completion it has already
/// ended (the core ran a step or two more before it heard) are dropped, so no text goes past a stop.
/// Owned by one thread: the online engine's output thread, or the offline ``LLM``'s caller.
struct OutputProcessor {
    private let tokenizer: any Tokenizer

    /// The state of one completion (one child request).
    private struct Completion {
        let parentID: RequestID
        let index: Int
        let wantsLogprobs: Bool
        var decoder: IncrementalDecoder
        /// Its own copy of the request's stop rules, for the string rule.
        var stops: StopChecker
        let arrival: ContinuousClock.Instant
        var lastTokenTime: ContinuousClock.Instant?
        var metrics: RequestMetrics
    }

    private var completions: [RequestID: Completion] = [:]
    /// Each live request by the caller's id, for the fan-in.
    private var parents: [RequestID: ParentRequest] = [:]

    init(tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Starts tracking the completions of a request the core admitted.
    mutating func add(_ parent: ParentRequest) {
        for index in 0..<parent.n {
            let params = parent.childParams(index)
            var metrics = RequestMetrics()
            metrics.numPromptTokens = parent.request.promptTokenIDs.count
            completions[parent.childID(index)] = Completion(
                parentID: parent.requestID, index: index, wantsLogprobs: params.logprobs != nil,
                decoder: IncrementalDecoder(tokenizer: tokenizer, skipSpecialTokens: params.skipSpecialTokens),
                stops: StopChecker(params: params, eosTokenIDs: []), arrival: parent.request.arrival, metrics: metrics)
        }
        parents[parent.requestID] = parent
    }

    /// Whether a request with this caller id is still streaming.
    func isLive(_ requestID: RequestID) -> Bool { parents[requestID] != nil }

    /// The callers' ids of every request still streaming.
    var liveRequestIDs: [RequestID] { Array(parents.keys) }

    /// What a step's tokens give.
    struct Result {
        /// One output per completion that got a token, in batch order.
        var outputs: [RequestOutput] = []
        /// Child requests that a stop string ended here: the engine must finish them in the core.
        var stoppedByString: [(RequestID, String)] = []
        /// Callers' requests whose completions have all finished.
        var finishedRequestIDs: [RequestID] = []
    }

    /// Detokenizes each token, applies stop strings and builds the outputs.
    mutating func process(_ step: EngineCoreOutputs) -> Result {
        let now = step.timestamp
        for id in step.firstScheduledRequestIDs {
            guard let arrival = completions[id]?.arrival else { continue }
            completions[id]!.metrics.queueTime = seconds(now - arrival)
        }
        var result = Result()
        result.outputs.reserveCapacity(step.outputs.count)
        for update in step.outputs {
            guard var completion = completions.removeValue(forKey: update.requestID) else { continue }
            let token = update.token
            if let last = completion.lastTokenTime {
                completion.metrics.interTokenLatencies.append(seconds(now - last))
            } else {
                completion.metrics.timeToFirstToken = seconds(now - completion.arrival)
            }
            completion.lastTokenTime = now
            completion.metrics.numGenerationTokens += 1

            var finishReason = update.finishReason
            var stopReason = update.stopReason
            // A stop token's text is left out unless asked for, as vLLM's detokenizer does; the last token
            // of a completed grammar is part of the answer.
            let stoppedByToken = finishReason == .stop && !update.completedConstraint
                && !completion.stops.includeStopInOutput
            var text = ""
            if !stoppedByToken {
                let (released, stop) = completion.stops.checkText(completion.decoder.add(token.tokenID))
                text = released
                if let stop {
                    // The stop string wins over a length finish in the same step, as in vLLM.
                    if finishReason == nil { result.stoppedByString.append((update.requestID, stop)) }
                    finishReason = .stop
                    stopReason = .string(stop)
                }
            }
            // Any other ending releases what was held back for stop strings that can no longer come.
            if finishReason != nil, !stopReason.isString {
                text += completion.stops.flushText(completion.decoder.flush())
            }
            var output = RequestOutput(
                requestID: completion.parentID, index: completion.index,
                numPromptTokens: completion.metrics.numPromptTokens, tokenIDs: [token.tokenID], text: text,
                logprobs: completion.wantsLogprobs ? [token] : nil,
                numOutputTokens: completion.metrics.numGenerationTokens,
                finishReason: finishReason, stopReason: stopReason)
            output.promptLogprobs = update.promptLogprobs
            if finishReason != nil {
                completion.metrics.e2eLatency = seconds(now - completion.arrival)
                completion.metrics.numCachedTokens = update.numCachedTokens
                completion.metrics.numPreemptions = update.numPreemptions
                output.metrics = completion.metrics
                complete(completion, into: &result.finishedRequestIDs)
            } else {
                completions[update.requestID] = completion
            }
            result.outputs.append(output)
        }
        return result
    }

    /// Ends every running completion of `requestID` with ``FinishReason/abort``; returns their last
    /// outputs, by index. The request is done after this.
    mutating func abort(_ requestID: RequestID, at now: ContinuousClock.Instant) -> [RequestOutput] {
        guard let parent = parents[requestID] else { return [] }
        var outputs: [RequestOutput] = []
        var finished: [RequestID] = []
        for index in parent.liveChildIndices {
            guard var completion = completions.removeValue(forKey: parent.childID(index)) else { continue }
            completion.metrics.e2eLatency = seconds(now - completion.arrival)
            outputs.append(RequestOutput(
                requestID: requestID, index: index, numPromptTokens: completion.metrics.numPromptTokens,
                tokenIDs: [], text: "", logprobs: completion.wantsLogprobs ? [] : nil,
                numOutputTokens: completion.metrics.numGenerationTokens, finishReason: .abort,
                stopReason: nil, metrics: completion.metrics))
            complete(completion, into: &finished)
        }
        parents[requestID] = nil
        return outputs
    }

    /// The fan-in: marks a completion finished in its parent, and forgets the parent after its last.
    private mutating func complete(_ completion: Completion, into finished: inout [RequestID]) {
        guard parents[completion.parentID]?.finishChild(completion.index) == true else { return }
        parents[completion.parentID] = nil
        finished.append(completion.parentID)
    }
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}
