import SluiceModel
import SluiceTokenizer

/// The offline batch API, as vLLM's `LLM`: submit many prompts at once, run the engine until all
/// finish, and get the outputs back in prompt order.
public final class LLM {
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let core: EngineCore

    public init(modelPath: String, options: EngineOptions = EngineOptions()) throws {
        let file = try GGUFFile(path: modelPath)
        model = try LlamaModel(file: file)
        tokenizer = try makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file))
        core = try EngineCore(model: model, config: options.schedulerConfig(for: model),
                              eosTokenIDs: tokenizer.endOfGenerationTokenIDs, threadCount: options.threadCount)
    }

    /// One finished request of a batch.
    public struct Completion: Sendable {
        public let promptTokenIDs: [Int]
        public let tokenIDs: [Int]
        public let text: String
        public let finishReason: FinishReason?
    }

    /// Generates for each prompt (token ids) with its own parameters; outputs come back in prompt order.
    public func generate(promptTokenIDs prompts: [[Int]], params: [SamplingParams]) throws -> [Completion] {
        precondition(prompts.count == params.count, "one SamplingParams per prompt")
        let ids = prompts.indices.map { RequestID("llm-\($0)") }
        do {
            for (index, prompt) in prompts.enumerated() {
                try core.add(Request(requestID: ids[index], promptTokenIDs: prompt, samplingParams: params[index]))
            }
        } catch {
            ids.forEach { core.abort($0) }
            throw error
        }
        var finished: [RequestID: Request] = [:]
        do {
            while core.hasUnfinishedRequests {
                for request in try core.step() { finished[request.requestID] = request }
            }
        } catch {
            ids.forEach { core.abort($0) }
            throw error
        }
        return ids.map { id in
            let request = finished[id]!
            let output = Array(request.outputTokenIDs)
            let finishReason: FinishReason? = if case .finished(let reason) = request.status { reason } else { nil }
            return Completion(promptTokenIDs: Array(request.promptTokenIDs), tokenIDs: output,
                              text: tokenizer.decode(output, skipSpecialTokens: true), finishReason: finishReason)
        }
    }

    /// Tokenizes each prompt (special tokens parsed, BOS as the model asks) and generates with `params`.
    public func generate(prompts: [String], params: SamplingParams) throws -> [Completion] {
        let tokenized = prompts.map { tokenizer.encode($0, addSpecialTokens: true, parseSpecial: true) }
        return try generate(promptTokenIDs: tokenized, params: Array(repeating: params, count: prompts.count))
    }
}
