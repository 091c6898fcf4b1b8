import Foundation
import SluiceModel
import SluiceTokenizer

/// The online engine: many callers submit requests from any thread or task and each gets its
/// outputs as an `AsyncThrowingStream`, while one step thread runs the batched model.
///
/// As vLLM's `AsyncLLM` over its `EngineCore` busy loop: `generate` checks the request at once,
/// the only check it gets (so a server can answer 400 before streaming), then hands it to the step
/// thread through a locked inbox. The step thread admits, steps and hands each step's tokens to an
/// output thread, which detokenizes, applies stop strings and yields, while the next step runs
/// (vLLM's async output processing). Dropping a stream or calling ``abort(_:)`` frees the request's
/// KV blocks on the next loop turn (ARCHITECTURE.md, decision 7 and "The online engine").
public final class Engine: Sendable {
    /// The model's tokenizer, for callers that render chat or count tokens.
    public let tokenizer: any Tokenizer
    /// The scheduler's limits, the KV pool size among them.
    public let config: SchedulerConfig
    /// How many tokens the model knows; token ids must lie below it.
    public var vocabularySize: Int { validator.vocabularySize }
    /// Requests beyond this many queued are refused with ``EngineError/queueFull(limit:)``.
    public let maxQueuedRequests: Int?
    /// The step cost model the scheduler started with (measured at start-up, or given in the
    /// options); `nil` when steps are sized by tokens only. ``EngineStats`` has its correction since.
    public let stepCostModel: StepCostModel?
    /// The engine's door: every request is checked here once.
    public let validator: RequestValidator
    private let inbox: EngineInbox

    /// Starts an engine over `model`; its step and output threads run until ``shutdown()``.
    public init(model: any DecoderModel, tokenizer: any Tokenizer, options: EngineOptions = EngineOptions()) throws {
        let core = try options.makeCore(model: model, tokenizer: tokenizer)
        let config = core.scheduler.config
        try options.prepareStepCost(of: core)
        stepCostModel = core.scheduler.costModel
        self.tokenizer = tokenizer
        self.config = config
        validator = core.validator
        maxQueuedRequests = options.maxQueuedRequests
        inbox = EngineInbox(stats: EngineStats(core: core), cachedBlockHashes: options.kvEventSink.map { _ in [] })
        let outputQueue = OutputQueue()
        let loop = EngineLoop(core: core, inbox: inbox, outputs: outputQueue, kvEventSink: options.kvEventSink)
        let outputLoop = OutputLoop(processor: OutputProcessor(tokenizer: tokenizer), queue: outputQueue, inbox: inbox)
        let outputThread = Thread { outputLoop.run() }
        outputThread.name = "sluice-output"
        outputThread.start()
        let thread = Thread { loop.run() }
        thread.name = "sluice-engine"
        thread.start()
    }

    /// Opens `modelPath` (GGUF) and starts an engine over its model and tokenizer.
    public convenience init(modelPath: String, options: EngineOptions = EngineOptions()) throws {
        let file = try GGUFFile(path: modelPath)
        try self.init(model: ModelRegistry.load(file),
                      tokenizer: makeTokenizer(vocabulary: TokenizerVocabulary(gguf: file)), options: options)
    }

    deinit { shutdown() }

    /// A prompt as text (tokenized with the model's special tokens) or as token ids.
    public enum Prompt: Sendable, Equatable {
        case text(String)
        case tokenIDs([Int])
    }

    /// The prompt's token ids: text gets BOS as the model asks and its control tokens parsed.
    public func tokenize(_ prompt: Prompt) -> [Int] {
        switch prompt {
        case .text(let text): return tokenizer.encode(text, addSpecialTokens: true, parseSpecial: true)
        case .tokenIDs(let ids): return ids
        }
    }

    /// Submits a request and returns the stream of its outputs, which ends after every
    /// completion's last output; throws at once for a request that could never run
    /// (``RequestValidator``), a duplicate id, a full queue or an engine shut down.
    ///
    /// `priority` orders requests under ``SchedulingPolicy/priority`` (lower first, vLLM's
    /// field) and must be 0 otherwise. With `params.n > 1` the engine fans the request out into
    /// `n` completions (``ParentRequest``), whose outputs the stream interleaves, each with its
    /// index. Cancelling the consuming task or dropping the stream aborts the request.
    public func generate(
        prompt: Prompt, params: SamplingParams, requestID: RequestID = RequestID.random(), priority: Int = 0,
        group: String? = nil
    ) throws -> AsyncThrowingStream<RequestOutput, Error> {
        let request = try validator.validate(
            requestID: requestID, promptTokenIDs: tokenize(prompt), params: params, priority: priority, group: group)
        let (stream, continuation) = AsyncThrowingStream<RequestOutput, Error>.makeStream()
        try inbox.submit(EngineInbox.Submission(request: request, continuation: continuation),
                         maxQueued: maxQueuedRequests)
        continuation.onTermination = { [inbox] termination in
            if case .cancelled = termination { inbox.abort(requestID) }
        }
        return stream
    }

    /// Ends a request: its stream yields a last output with ``FinishReason/abort`` for each
    /// running completion, and its blocks are freed on the step thread's next turn.
    public func abort(_ requestID: RequestID) {
        inbox.abort(requestID)
    }

    /// Counters and gauges as of the step thread's last turn.
    public var stats: EngineStats { inbox.stats }

    /// The block hashes the prefix cache can hit, as of the last KV events handed to
    /// ``EngineOptions/kvEventSink``: what a subscriber that applied them all holds. Nil without a sink.
    public var cachedBlockHashes: Set<BlockHash>? { inbox.cachedBlockHashes }

    /// Calls `observer` on the output thread after every step that ran, with its timing (for
    /// histograms, which need every step, not the last one), never delaying the next step.
    public func observeSteps(_ observer: @escaping @Sendable (StepRecord) -> Void) {
        inbox.addStepObserver(observer)
    }

    /// Aborts every request, stops the step thread and waits for it; idempotent.
    public func shutdown() {
        inbox.shutdown()
    }
}

extension RequestID {
    /// A fresh id, as vLLM's `random_uuid`.
    public static func random() -> RequestID {
        RequestID(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
    }
}
