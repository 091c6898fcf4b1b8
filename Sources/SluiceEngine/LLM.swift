import SluiceModel
import SluiceTokenizer

/// The offline batch API, as vLLM's `LLM`: submit many prompts at once, run the engine on the
/// calling thread until all finish, and get the outputs back in prompt order.
public final class LLM {
    public let tokenizer: any Tokenizer
    public let core: EngineCore
    private var processor: OutputProcessor
    private var nextBatch = 0

    /// Runs `model` with its `tokenizer`.
    public init(model: any DecoderModel, tokenizer: any Tokenizer, options: EngineOptions = EngineOptions()) throws {
        self.tokenizer = tokenizer
        core = try options.makeCore(model: model, tokenizer: tokenizer)
        try options.prepareStepCost(of: core)
        processor = OutputProcessor(tokenizer: tokenizer)
    }

    /// Opens `modelPath` (GGUF) with its tokenizer.
    public convenience init(modelPath: String, options: EngineOptions = EngineOptions()) throws {
        let file = try GGUFFile(path: modelPath)
        try self.init(model: ModelRegistry.load(file), tokenizer: makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file)),
                      options: options)
    }

    /// One prompt's result: a completion per `n`.
    public struct Result: Sendable {
        public let promptTokenIDs: [Int]
        public let completions: [Completion]
    }

    /// One finished completion, its outputs joined.
    public struct Completion: Sendable {
        public let index: Int
        public internal(set) var tokenIDs: [Int] = []
        public internal(set) var text = ""
        public internal(set) var logprobs: [SampledToken]?
        public internal(set) var finishReason: FinishReason?
        public internal(set) var stopReason: StopReason?
        public internal(set) var metrics: RequestMetrics?
    }

    /// Generates for each prompt (token ids) with its own parameters; results come back in prompt order.
    ///
    /// Every request is checked first (``RequestValidator``, as ``Engine`` checks its requests), so
    /// a bad one throws the same error before anything runs. Then the loop is the online engine's,
    /// on the calling thread: ``EngineCore/step()``, the ``OutputProcessor`` over its tokens, and the
    /// requests a stop string ended finished in the core before the next step (vLLM v1's
    /// `LLMEngine.step`, which aborts `reqs_to_abort`).
    public func generate(promptTokenIDs prompts: [[Int]], params: [SamplingParams]) throws -> [Result] {
        precondition(prompts.count == params.count, "one SamplingParams per prompt")
        let batch = nextBatch
        nextBatch += 1
        let arrival = ContinuousClock.now
        let requests = try prompts.indices.map { index in
            try core.validator.validate(requestID: RequestID("llm-\(batch)-\(index)"), promptTokenIDs: prompts[index],
                                        params: params[index], arrival: arrival)
        }
        var completions: [RequestID: [Completion]] = [:]
        do {
            for request in requests {
                processor.add(try core.add(request))
                completions[request.requestID] = (0..<request.params.n).map { Completion(index: $0) }
            }
            while core.hasUnfinishedRequests {
                let result = processor.process(try core.step())
                for (child, stop) in result.stoppedByString {
                    core.finish(child, reason: .stop, stopReason: .string(stop))
                }
                for output in result.outputs {
                    completions[output.requestID]?[output.index].append(output)
                }
            }
        } catch {
            for request in requests {
                core.abort(request.requestID)
                _ = processor.abort(request.requestID, at: .now)
            }
            throw error
        }
        return requests.enumerated().map { index, request in
            Result(promptTokenIDs: prompts[index], completions: completions[request.requestID] ?? [])
        }
    }

    /// Tokenizes each prompt (special tokens parsed, BOS as the model asks) and generates with `params`.
    public func generate(prompts: [String], params: SamplingParams) throws -> [Result] {
        let tokenized = prompts.map { tokenizer.encode($0, addSpecialTokens: true, parseSpecial: true) }
        return try generate(promptTokenIDs: tokenized, params: Array(repeating: params, count: prompts.count))
    }
}

extension LLM.Completion {
    /// Adds a streamed output's tokens, text and ending.
    mutating func append(_ output: RequestOutput) {
        tokenIDs += output.tokenIDs
        text += output.text
        if let new = output.logprobs { logprobs = (logprobs ?? []) + new }
        if output.finishReason != nil {
            finishReason = output.finishReason
            stopReason = output.stopReason
            metrics = output.metrics
        }
    }
}
