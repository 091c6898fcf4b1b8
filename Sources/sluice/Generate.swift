import ArgumentParser
import Foundation
import SluiceEngine
import SluiceModel
import SluiceTokenizer

/// `sluice generate`: runs one prompt and streams the text to stdout.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text from a prompt, streaming it to stdout; speeds go to stderr.")

    @Option(help: "Path of a GGUF model file (default: SmolLM2-135M-Instruct Q4_1, fetched on first use).")
    var model: String?

    @Option(help: "The prompt.")
    var prompt: String = "The capital of France is"

    @Option(help: "The most tokens to generate.")
    var maxTokens: Int = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Nucleus sampling: keep the smallest set of tokens whose probability reaches this.")
    var topP: Float = 1

    @Option(help: "Seed for reproducible sampling.")
    var seed: UInt64?

    @Flag(help: "Wrap the prompt in the model's chat template as a user message.")
    var chat = false

    @Option(help: "Kernel threads (default: one per core).")
    var threads: Int?

    func run() throws {
        let params = SamplingParams(temperature: temperature, topP: topP, seed: seed, maxTokens: maxTokens)
        do {
            try params.validate()
            let loaded = try LoadedModel(path: model ?? DefaultModel.ensure(log: logToStderr))
            let promptText = chat ? loaded.chatFormat.render(userMessage: prompt) : prompt
            let promptTokens = loaded.tokenizer.encode(promptText, addSpecialTokens: true, parseSpecial: chat)
            try generate(loaded, promptTokens: promptTokens, params: params)
        } catch {
            logToStderr("error: \(error)")
            throw ExitCode.failure
        }
    }

    private func generate(_ loaded: LoadedModel, promptTokens: [Int], params: SamplingParams) throws {
        let contextLength = loaded.model.configuration.contextLength
        guard !promptTokens.isEmpty else { throw GenerateError("the prompt is empty after tokenization") }
        guard params.maxTokens <= contextLength - promptTokens.count else {
            throw GenerateError("prompt has \(promptTokens.count) tokens plus \(params.maxTokens) to generate; this model's context is \(contextLength)")
        }
        let blockSize = 16
        let totalTokens = promptTokens.count + params.maxTokens
        let blocksNeeded = (totalTokens + blockSize - 1) / blockSize
        // Block 0 is the null block; this single sequence owns blocks 1...blocksNeeded.
        let blockTable = (1...blocksNeeded).map { Int32($0) }
        let runner = ModelRunner(model: loaded.model, numBlocks: blocksNeeded + 1, blockSize: blockSize,
                                 maxBatchTokens: promptTokens.count, maxLogitRows: 1, maxModelLength: totalTokens,
                                 threadCount: threads ?? KernelThreadPool.defaultThreadCount)
        var sampler = Sampler(params: params)
        var decoder = IncrementalDecoder(tokenizer: loaded.tokenizer)
        let output = FileHandle.standardOutput

        let prefillStart = DispatchTime.now()
        var logits = try runner.execute(.singleSequence(tokens: promptTokens.map(Int32.init), startPosition: 0,
                                                        blockTable: blockTable, blockSize: blockSize))
        let prefillSeconds = seconds(since: prefillStart)
        let decodeStart = DispatchTime.now()
        var generated = 0
        var position = promptTokens.count
        while true {
            let token = sampler.sample(logits: logits)
            generated += 1
            if loaded.tokenizer.endOfGenerationTokenIDs.contains(token) { break }
            output.write(Data(decoder.add(token).utf8))
            if generated >= params.maxTokens { break }
            logits = try runner.execute(.singleSequence(tokens: [Int32(token)], startPosition: position,
                                                        blockTable: blockTable, blockSize: blockSize))
            position += 1
        }
        output.write(Data((decoder.flush() + "\n").utf8))
        let decodeSeconds = seconds(since: decodeStart)
        let decodeSteps = max(0, generated - 1)
        logToStderr(String(format: "prefill: %d tokens in %.3f s (%.1f tok/s); decode: %d tokens in %.3f s (%.1f tok/s); %d threads",
                           promptTokens.count, prefillSeconds, Double(promptTokens.count) / prefillSeconds,
                           decodeSteps, decodeSeconds, decodeSteps > 0 ? Double(decodeSteps) / decodeSeconds : 0,
                           runner.threadCount))
    }
}

/// A request `sluice generate` cannot run, with the reason.
struct GenerateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

func logToStderr(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
