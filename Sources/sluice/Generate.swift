import ArgumentParser
import Foundation
import SluiceAssets
import SluiceEngine
import SluiceCPU
import SluiceModel
import SluiceServer
import SluiceTokenizer

/// `sluice generate`: runs one prompt through the engine and streams the text to stdout.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text from a prompt, streaming it to stdout; speeds go to stderr.")

    @Option(help: "A GGUF file, or a catalog name (`sluice models`) fetched on first use; default: smollm2-135m.")
    var model: String?

    @Option(help: "The prompt.")
    var prompt: String = "The capital of France is"

    @Option(help: "The most tokens to generate.")
    var maxTokens: Int = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Nucleus sampling: keep the smallest set of tokens whose probability reaches this.")
    var topP: Float = 1

    @Option(help: "Keep only the k likeliest tokens (0 keeps all).")
    var topK: Int = 0

    @Option(help: "Drop tokens less likely than this fraction of the likeliest one.")
    var minP: Float = 0

    @Option(help: "Penalise tokens already in the prompt or output (1 is off).")
    var repetitionPenalty: Float = 1

    @Option(help: "Seed for reproducible sampling.")
    var seed: UInt64?

    @Option(help: "Stop before this string (repeatable).")
    var stop: [String] = []

    @Flag(help: "Keep generating past the end-of-sequence token.")
    var ignoreEOS = false

    @Flag(help: "Wrap the prompt in the model's own chat template as a user message.")
    var chat = false

    @OptionGroup var engineFlags: EngineFlags

    func run() async throws {
        var params = SamplingParams(temperature: temperature, topP: topP, topK: topK, seed: seed, maxTokens: maxTokens)
        params.minP = minP
        params.repetitionPenalty = repetitionPenalty
        params.stop = stop
        params.ignoreEOS = ignoreEOS
        do {
            // The engine checks the parameters when the request is submitted, as for the server.
            let loaded = try LoadedModel(path: ModelReference.path(for: model) { logToStderr($0.description) })
            var options = try engineFlags.optionsLoadingDraftModel { logToStderr($0.description) }
            // One request: a KV pool sized for it alone, unless asked otherwise.
            if engineFlags.kvCacheMemory == nil {
                let tokens = min(loaded.model.configuration.contextLength, 16_384)
                options.kvCacheMemory = KVCapacity.memory(
                    forTokens: tokens, bytesPerToken: options.resolvedBackend.kvBytesPerToken(for: loaded.model),
                    blockSize: options.blockSize, numGroups: loaded.model.kvCacheLayout.groups.count)
            }
            let engine = try Engine(model: loaded.model, tokenizer: loaded.tokenizer, options: options)
            defer { engine.shutdown() }
            logToStderr(Serve.describeStepPlanning(engine))
            // A chat prompt is the template's text, tokenized without adding BOS again (as vLLM does).
            let promptTokens = chat
                ? loaded.tokenizer.encode(
                    try JinjaChatRenderer.forModel(file: loaded.file, tokenizer: loaded.tokenizer)
                        .render(messages: [ChatMessage(role: "user", content: prompt)], addGenerationPrompt: true),
                    addSpecialTokens: false, parseSpecial: true)
                : loaded.tokenizer.encode(prompt, addSpecialTokens: true, parseSpecial: false)
            try await generate(engine, promptTokens: promptTokens, params: params)
        } catch {
            logToStderr("error: \(error)")
            throw ExitCode.failure
        }
    }

    private func generate(_ engine: Engine, promptTokens: [Int], params: SamplingParams) async throws {
        let output = FileHandle.standardOutput
        var last: RequestOutput?
        for try await delta in try engine.generate(prompt: .tokenIDs(promptTokens), params: params) {
            output.write(Data(delta.text.utf8))
            last = delta
        }
        output.write(Data("\n".utf8))
        guard let last, let metrics = last.metrics else { return }
        let ttft = metrics.timeToFirstToken ?? metrics.e2eLatency
        let decodeSeconds = metrics.e2eLatency - ttft
        let decodeTokens = max(0, metrics.numGenerationTokens - 1)
        logToStderr(String(
            format: "prompt: %d tokens, first token after %.3f s (%.1f tok/s); decode: %d tokens in %.3f s (%.1f tok/s)",
            promptTokens.count, ttft, Double(promptTokens.count) / ttft, decodeTokens, decodeSeconds,
            decodeTokens > 0 ? Double(decodeTokens) / decodeSeconds : 0) + "; finish: \(last.finishReason?.description ?? "none")")
    }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

func logToStderr(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
