import SluiceEngine

extension SamplingFields {
    /// The engine's parameters for these fields, with vLLM's defaults for the ones left out.
    ///
    /// Ranges are checked here, before any prompt is tokenized, so a bad value is a 400 naming the
    /// field whatever else is wrong with the request; the engine checks them again on submission.
    func samplingParams(maxTokens: Int, logprobs: Int?, vocabularySize: Int) throws(APIError) -> SamplingParams {
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
        do {
            try params.validate(vocabularySize: vocabularySize)
        } catch {
            throw .sampling(error)
        }
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
