import SluiceEngine

extension SamplingFields {
    /// The engine's parameters for these fields, with vLLM's defaults for the ones left out.
    ///
    /// Ranges are not checked here: the engine checks every request once, when it is submitted
    /// (`Engine.generate`), and the server turns a refusal into the 400 naming the field
    /// (`APIError(engineError:)`). Only `best_of`, a field the engine does not have, is refused here.
    func samplingParams(maxTokens: Int, logprobs: Int?) throws(APIError) -> SamplingParams {
        var params = SamplingParams(maxTokens: maxTokens)
        if let temperature { params.temperature = temperature }
        if let topP { params.topP = topP }
        if let topK { params.topK = topK }
        if let minP { params.minP = minP }
        if let n { params.n = n }
        params.seed = seed
        if let minTokens { params.minTokens = minTokens }
        if let repetitionPenalty { params.repetitionPenalty = repetitionPenalty }
        if let frequencyPenalty { params.frequencyPenalty = frequencyPenalty }
        if let presencePenalty { params.presencePenalty = presencePenalty }
        params.logitBias = logitBias
        if let ignoreEOS { params.ignoreEOS = ignoreEOS }
        params.stopTokenIDs = stopTokenIDs
        params.stop = stop
        if let includeStopStringInOutput { params.includeStopStringInOutput = includeStopStringInOutput }
        params.logprobs = logprobs
        if let skipSpecialTokens { params.skipSpecialTokens = skipSpecialTokens }
        // vLLM v1 dropped best_of; equal to n it asks for nothing more, so only more is refused.
        if let bestOf, bestOf != params.n {
            throw .unsupported(
                "`best_of` (\(bestOf)) different from n (\(params.n)) is not supported by this server: it returns every "
                    + "completion it generates. Leave best_of out, or set it equal to n.",
                param: "best_of")
        }
        return params
    }
}
