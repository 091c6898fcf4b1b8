import ArgumentParser
import Foundation
import SluiceAssets
import SluiceEngine
import SluiceModel

/// `sluice bench throughput`: the offline batch, as `vllm bench throughput` runs it: N random
/// prompts of fixed input and output lengths go through the offline API at once, and the run
/// reports requests and tokens per second.
struct BenchThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Offline batch throughput: N fixed-length random prompts through the engine at once.")

    @Option(help: "A GGUF file, or a catalog name (`sluice models`) fetched on first use; default: smollm2-135m.")
    var model: String?

    @Option(help: "Prompts to run (default: --batch).")
    var numPrompts: Int?

    @Option(help: "Sequences running at once (sets --max-num-seqs).")
    var batch: Int = 64

    @Option(help: "Prompt tokens per request.")
    var inputLen: Int = 128

    @Option(help: "Generated tokens per request (EOS is ignored).")
    var outputLen: Int = 128

    @Option(help: "Timed repetitions, after one warm-up.")
    var repetitions: Int = 1

    @OptionGroup var engineFlags: EngineFlags

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard inputLen >= 1, outputLen >= 1 else { throw ValidationError("--input-len and --output-len must be at least 1") }
        if let numPrompts, numPrompts < 1 { throw ValidationError("--num-prompts must be at least 1") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        let path = try ModelReference.path(for: model) { logToStderr($0.description) }
        var options = try engineFlags.optionsLoadingDraftModel { logToStderr($0.description) }
        options.maxNumSeqs = batch
        // An offline batch keeps no stream waiting between tokens, so unless asked, steps are bounded by
        // tokens only (as llama-batched-bench runs): the time budget would only slow the prompts down.
        if engineFlags.maxStepLatencyMs == nil { options.maxStepLatency = .off }
        let llm = try LLM(modelPath: path, options: options)
        let count = numPrompts ?? batch
        var generator = SeededGenerator(seed: 7)
        let vocabulary = UInt64(llm.core.executor.vocabularySize)
        let prompts = (0..<count).map { _ in (0..<inputLen).map { _ in Int(generator.next() % vocabulary) } }
        var params = SamplingParams(temperature: 0, maxTokens: outputLen)
        params.ignoreEOS = true
        let allParams = Array(repeating: params, count: count)

        // Warm up on a small batch, then clear the prefix cache so every timed run computes everything.
        _ = try llm.generate(promptTokenIDs: Array(prompts.prefix(2)), params: Array(allParams.prefix(2)))
        print("| model | threads | prompts | batch | in | out | req/s | output tok/s | total tok/s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        let name = URL(fileURLWithPath: path).lastPathComponent
        for _ in 0..<repetitions {
            _ = llm.core.resetPrefixCache()
            let start = DispatchTime.now()
            let results = try llm.generate(promptTokenIDs: prompts, params: allParams)
            let elapsed = seconds(since: start)
            let generated = results.reduce(0) { $0 + $1.completions.reduce(0) { $0 + $1.tokenIDs.count } }
            print("| \(name) " + String(format: "| %d | %d | %d | %d | %d | %.2f | %.1f | %.1f |",
                         llm.core.executor.threadCount, count, batch, inputLen, outputLen,
                         Double(count) / elapsed, Double(generated) / elapsed,
                         Double(generated + count * inputLen) / elapsed))
        }
    }
}
