import SluiceEngine

/// What the render endpoints answer for each prompt: vLLM's `GenerateRequest`, the body its
/// token-in, token-out `/inference/v1/generate` takes (`request_id`, `token_ids`,
/// `sampling_params`, `model`, `stream`, `priority`), with the rendered `prompt` text beside it.
struct RenderedRequest: Encodable, Sendable {
    var requestID: String
    var prompt: PreparedPrompt
    var params: SamplingParams
    var model: String
    var stream: Bool
    var priority: Int

    enum CodingKeys: String, CodingKey {
        case model, stream, priority, prompt
        case requestID = "request_id"
        case tokenIDs = "token_ids"
        case samplingParams = "sampling_params"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(prompt.tokenIDs, forKey: .tokenIDs)
        try container.encode(prompt.text, forKey: .prompt)
        try container.encode(RenderedSamplingParams(params: params), forKey: .samplingParams)
        try container.encode(model, forKey: .model)
        try container.encode(stream, forKey: .stream)
        try container.encode(priority, forKey: .priority)
    }
}

/// The engine's sampling parameters under vLLM's `SamplingParams` names, defaults filled in.
struct RenderedSamplingParams: Encodable, Sendable {
    var params: SamplingParams

    enum CodingKeys: String, CodingKey {
        case n, temperature, seed, stop, logprobs
        case topP = "top_p"
        case topK = "top_k"
        case minP = "min_p"
        case maxTokens = "max_tokens"
        case minTokens = "min_tokens"
        case presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty"
        case repetitionPenalty = "repetition_penalty"
        case logitBias = "logit_bias"
        case ignoreEOS = "ignore_eos"
        case stopTokenIDs = "stop_token_ids"
        case includeStopStringInOutput = "include_stop_str_in_output"
        case skipSpecialTokens = "skip_special_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(params.n, forKey: .n)
        try container.encode(params.temperature, forKey: .temperature)
        try container.encode(params.topP, forKey: .topP)
        try container.encode(params.topK, forKey: .topK)
        try container.encode(params.minP, forKey: .minP)
        try container.encode(params.seed, forKey: .seed)
        try container.encode(params.maxTokens, forKey: .maxTokens)
        try container.encode(params.minTokens, forKey: .minTokens)
        try container.encode(params.presencePenalty, forKey: .presencePenalty)
        try container.encode(params.frequencyPenalty, forKey: .frequencyPenalty)
        try container.encode(params.repetitionPenalty, forKey: .repetitionPenalty)
        // JSON object keys are strings: token ids as text, as OpenAI's logit_bias takes them.
        try container.encode(params.logitBias.isEmpty ? nil : Dictionary(uniqueKeysWithValues: params.logitBias.map { (String($0.key), $0.value) }),
                             forKey: .logitBias)
        try container.encode(params.ignoreEOS, forKey: .ignoreEOS)
        try container.encode(params.stop, forKey: .stop)
        try container.encode(params.stopTokenIDs, forKey: .stopTokenIDs)
        try container.encode(params.includeStopStringInOutput, forKey: .includeStopStringInOutput)
        try container.encode(params.logprobs, forKey: .logprobs)
        try container.encode(params.skipSpecialTokens, forKey: .skipSpecialTokens)
    }
}
