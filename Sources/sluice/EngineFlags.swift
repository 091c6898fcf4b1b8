import ArgumentParser
import Foundation
import SluiceAssets
import SluiceEngine
import SluiceModel

/// The engine's sizing flags, shaped like `vllm serve`'s, shared by every command that runs it.
struct EngineFlags: ParsableArguments {
    @Option(help: "KV-cache memory: bytes, or with a unit (512MiB, 4GiB). Default: a quarter of RAM, at most 4 GiB.")
    var kvCacheMemory: ByteCount?

    @Option(help: "Tokens per KV block.")
    var blockSize: Int = 16

    @Option(name: .customLong("max-model-len"), help: "The longest prompt plus output (default: the model's context).")
    var maxModelLength: Int?

    @Option(help: "The most requests running at once.")
    var maxNumSeqs: Int = 64

    @Option(help: "The token budget of one engine step.")
    var maxNumBatchedTokens: Int = 512

    @Option(help: ArgumentHelp(
        "The longest an engine step may take, as the scheduler predicts it, in ms; prompt chunks shrink to fit. 0 turns the time budget off.",
        discussion: "Default: a step that runs decodes may take twice its decodes alone, at least 50 ms, and at least its decodes plus 64 prompt tokens, so running streams see about twice a pure decode step between tokens where prompt tokens are cheap, and a waiting prompt advances 64 tokens a step where they are not; a step with no decodes is bounded by --max-num-batched-tokens only."))
    var maxStepLatencyMs: Double?

    @Option(help: "The order of admission: fcfs, or priority (a request's `priority`, lower first, then arrival).")
    var schedulingPolicy: String = SchedulingPolicy.fcfs.rawValue

    @Flag(help: "Do not share the KV blocks of equal prompt prefixes between requests.")
    var noPrefixCaching = false

    @Option(help: "The KV cache's element type: auto (f16), f16, bf16, or q8_0 (half the memory and bandwidth of f16).")
    var kvCacheDtype: String = KVCacheDType.auto.rawValue

    @Option(help: ArgumentHelp(
        "Speculative decoding, as vLLM spells it: a JSON object such as '{\"method\": \"ngram\", \"num_speculative_tokens\": 5, \"prompt_lookup_max\": 4}' or '{\"method\": \"draft_model\", \"model\": \"qwen0.5b\", \"num_speculative_tokens\": 4}'.",
        discussion: "Keys: method (ngram or draft_model), num_speculative_tokens (default 5), prompt_lookup_min (2), prompt_lookup_max (4), disable_by_batch_size (4: no speculation while more requests run), model (draft_model: a GGUF path or a catalog name whose vocabulary is the target's; {\"model\": ...} alone means draft_model)."))
    var speculativeConfig: String?

    @Option(name: [.customLong("draft-model"), .customLong("model-draft")], help: ArgumentHelp(
        "A draft model for speculative decoding (a GGUF path or a catalog name sharing the target's vocabulary); short for --speculative-config '{\"method\": \"draft_model\", \"model\": NAME}'.",
        valueName: "name"))
    var draftModel: String?

    @Option(help: "Kernel threads (default: one per core).")
    var threads: Int?

    func validate() throws {
        guard blockSize >= 1 else { throw ValidationError("--block-size must be at least 1") }
        guard maxNumSeqs >= 1 else { throw ValidationError("--max-num-seqs must be at least 1") }
        guard maxNumBatchedTokens >= 1 else { throw ValidationError("--max-num-batched-tokens must be at least 1") }
        if let maxModelLength, maxModelLength < 1 { throw ValidationError("--max-model-len must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let maxStepLatencyMs, !(maxStepLatencyMs.isFinite && maxStepLatencyMs >= 0) {
            throw ValidationError("--max-step-latency-ms must be a positive number of milliseconds, or 0 for no time budget")
        }
        guard KVCacheDType(rawValue: kvCacheDtype) != nil else {
            throw ValidationError("--kv-cache-dtype must be one of \(KVCacheDType.allCases.map(\.rawValue).joined(separator: ", ")), got \(kvCacheDtype)")
        }
        if let speculativeConfig {
            let config: SpeculativeConfig
            do {
                config = try SpeculativeConfig(json: speculativeConfig)
            } catch {
                throw ValidationError(error.description)
            }
            if let draftModel, config.method != .draftModel || (config.model != nil && config.model != draftModel) {
                throw ValidationError("--draft-model \(draftModel) disagrees with --speculative-config \(speculativeConfig); give one of them")
            }
        }
        guard SchedulingPolicy(rawValue: schedulingPolicy) != nil else {
            throw ValidationError("--scheduling-policy must be fcfs or priority, got \(schedulingPolicy)")
        }
    }

    /// The engine options these flags give.
    var options: EngineOptions {
        var options = EngineOptions()
        if let kvCacheMemory { options.kvCacheMemory = kvCacheMemory.bytes }
        options.blockSize = blockSize
        options.maxModelLength = maxModelLength
        options.maxNumSeqs = maxNumSeqs
        options.maxNumBatchedTokens = maxNumBatchedTokens
        options.enablePrefixCaching = !noPrefixCaching
        if let threads { options.threadCount = threads }
        options.kvCacheDType = KVCacheDType(rawValue: kvCacheDtype) ?? .auto
        options.maxStepLatency = StepLatencyTarget(milliseconds: maxStepLatencyMs)
        options.schedulingPolicy = SchedulingPolicy(rawValue: schedulingPolicy) ?? .fcfs
        options.speculative = speculativeConfig.flatMap { try? SpeculativeConfig(json: $0) }
        if let draftModel {
            if options.speculative == nil { options.speculative = SpeculativeConfig(method: .draftModel) }
            options.speculative?.model = draftModel
        }
        return options
    }

    /// ``options`` with the draft model loaded, when speculation asks for one: fetched first when it is
    /// a catalog name. Its vocabulary is checked against the target's when the engine starts.
    func optionsLoadingDraftModel(log: (FetchEvent) -> Void) throws -> EngineOptions {
        var options = options
        if let speculative = options.speculative, speculative.method == .draftModel, let name = speculative.model {
            let draft = try LoadedModel(path: ModelReference.path(for: name, report: log))
            options.draftModel = DraftModel(model: draft.model, tokenizer: draft.tokenizer, name: name)
        }
        return options
    }
}

/// A size in bytes, written plainly or with a unit: `1073741824`, `512MiB`, `4GiB`, `2GB`.
struct ByteCount: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [
            ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9),
            ("k", 1024), ("m", 1_048_576), ("g", 1_073_741_824), ("b", 1),
        ]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, value) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = value
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value > 0,
              value * scale < Double(Int.max) else { return nil }
        bytes = Int(value * scale)
    }
}
