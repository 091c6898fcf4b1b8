import Dispatch
import SluiceEngine
import SluiceGrammar
import SluiceTokenizer

/// Compiles the constraints of structured-output requests while they wait, before they reach the engine
/// (vLLM's `WAITING_FOR_FSM`), so the step thread never compiles: a cache of compiled grammars first, then
/// one worker thread of its own, so that neither the step thread nor the handlers' threads are held by a
/// slow schema. The model's vocabulary, as the grammar engine reads it, is built once, on first use, and
/// shared by every grammar. ``GrammarLimits`` bound the work, so a hostile schema fails with a 400.
final class GrammarCompiler: Sendable {
    /// Compiled grammars kept.
    static let defaultCacheCapacity = 128

    private let tokenizer: any Tokenizer
    private let limits: GrammarLimits
    private let vocabularyStore = Locked<TokenVocabulary?>(nil)
    private let cache: Locked<GrammarCache>
    private let worker = DispatchQueue(label: "sluice-grammar-compiler", qos: .userInitiated)

    init(tokenizer: any Tokenizer, limits: GrammarLimits = GrammarLimits(), cacheCapacity: Int = defaultCacheCapacity) {
        self.tokenizer = tokenizer
        self.limits = limits
        cache = Locked(GrammarCache(capacity: cacheCapacity))
    }

    /// The model's tokens as bytes (control tokens empty: a grammar never allows them) and its end tokens.
    var vocabulary: TokenVocabulary {
        vocabularyStore.withLock { stored in
            if let stored { return stored }
            let built = TokenVocabulary(
                tokenBytes: (0..<tokenizer.vocabularySize).map { tokenizer.tokenBytes($0) },
                endTokenIDs: tokenizer.endOfGenerationTokenIDs.sorted())
            stored = built
            return built
        }
    }

    /// How many compiled grammars are cached.
    var numCached: Int { cache.withLock { $0.count } }

    /// The compiled constraint of `fields`, from the cache or compiled on the worker; what cannot be
    /// enforced, and a schema past the limits, is a 400 naming the field.
    func compile(_ fields: StructuredOutputFields) async throws(APIError) -> StructuredOutput {
        let spec = fields.spec
        if let cached = cache.withLock({ $0.value(for: spec) }) { return cached }
        let result: Result<StructuredOutput, any Error> = await withCheckedContinuation { continuation in
            worker.async { [self] in
                continuation.resume(returning: Result {
                    try StructuredOutput(compiling: spec, vocabulary: vocabulary, limits: limits)
                })
            }
        }
        switch result {
        case .success(let compiled):
            cache.withLock { $0.insert(compiled, for: spec) }
            return compiled
        case .failure(let error as GrammarError):
            switch error {
            case .unsupportedKeywords:
                throw .unsupported("\(error). This server refuses what it cannot enforce.", param: fields.field)
            default:
                throw .badRequest("\(error)", param: fields.field)
            }
        case .failure(let error):
            throw .badRequest("The constraint in \(fields.field) cannot be compiled: \(error)", param: fields.field)
        }
    }
}
