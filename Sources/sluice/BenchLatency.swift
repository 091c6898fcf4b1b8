import ArgumentParser
import Foundation
import SluiceAssets
import SluiceEngine
import SluiceCPU
import SluiceModel

/// `sluice bench latency`: single-stream prompt processing (pp) and token generation (tg), in the shape of
/// llama-bench: pp runs N random tokens as one batch into an empty cache; tg decodes N tokens one at a time.
struct BenchLatency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Single-stream prefill and decode speed, as llama-bench measures them.")

    @Option(help: "A GGUF file, or a catalog name (`sluice models`) fetched on first use; default: smollm2-135m.")
    var model: String?

    @Option(name: [.customShort("p"), .long], help: "Prompt tokens for the pp test (0 skips it).")
    var promptTokens: Int = 512

    @Option(name: [.customShort("n"), .long], help: "Generated tokens for the tg test (0 skips it).")
    var generatedTokens: Int = 128

    @Option(name: [.customShort("r"), .long], help: "Timed repetitions of each test, after one warm-up.")
    var repetitions: Int = 5

    @Option(name: [.customShort("d"), .long], help: "Tokens already in the cache before each test (llama-bench's -d).")
    var depth: Int = 0

    @Option(help: "Kernel threads (default: one per core).")
    var threads: Int?

    @Option(help: "The KV cache's element type: auto (f16), f16, bf16, or q8_0.")
    var kvCacheDtype: String = KVCacheDType.auto.rawValue

    func validate() throws {
        guard (0...1_048_576).contains(promptTokens), (0...1_048_576).contains(generatedTokens),
              promptTokens + generatedTokens > 0 else {
            throw ValidationError("give -p or -n a number of tokens between 1 and 1048576")
        }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        guard (0...1_048_576).contains(depth) else { throw ValidationError("--depth must be between 0 and 1048576") }
        guard KVCacheDType(rawValue: kvCacheDtype) != nil else {
            throw ValidationError("--kv-cache-dtype must be one of \(KVCacheDType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let path = try ModelReference.path(for: model) { logToStderr($0.description) }
        let llama = try ModelRegistry.load(GGUFFile(path: path))
        let blockSize = 16
        let longest = depth + max(promptTokens, generatedTokens)
        guard longest <= llama.configuration.contextLength else {
            throw ValidationError("\(longest) tokens exceed this model's context of \(llama.configuration.contextLength)")
        }
        let blocks = KVCapacity(numBlocks: 1, blockSize: blockSize).blocksNeeded(forTokens: longest)
        let groups = llama.kvCacheLayout.groups.count
        let tables = ForwardBatch.disjointBlockTables(numGroups: groups, numBlocks: blocks)
        let runner = ModelRunner(model: llama, numBlocks: groups * blocks + 1, blockSize: blockSize,
                                 maxBatchTokens: max(1, promptTokens, min(depth, 512)), maxLogitRows: 1, maxModelLength: longest,
                                 threadCount: threads ?? KernelThreadPool.defaultThreadCount,
                                 kvCacheDType: KVCacheDType(rawValue: kvCacheDtype) ?? .auto)
        var generator = SeededGenerator(seed: 1234)
        let vocabulary = UInt64(llama.configuration.vocabularySize)
        let randomTokens = (0..<longest).map { _ in Int32(generator.next() % vocabulary) }
        print("| model | threads | test | t/s (median) | t/s (all runs) |")
        print("| --- | --- | --- | --- | --- |")
        let name = URL(fileURLWithPath: path).lastPathComponent
        // The context every test starts from, written once: the tests overwrite only positions past it.
        var position = 0
        while position < depth {
            let end = min(depth, position + runner.maxBatchTokens)
            _ = try runner.execute(.singleSequence(tokens: Array(randomTokens[position..<end]), startPosition: position,
                                                   blockTables: tables, blockSize: blockSize))
            position = end
        }
        let suffix = depth > 0 ? " @ d\(depth)" : ""
        if promptTokens > 0 {
            let speeds = try measure {
                _ = try runner.execute(.singleSequence(tokens: Array(randomTokens[depth..<(depth + promptTokens)]),
                                                       startPosition: depth, blockTables: tables, blockSize: blockSize))
                return promptTokens
            }
            report(name, runner.threadCount, "pp\(promptTokens)\(suffix)", speeds)
        }
        if generatedTokens > 0 {
            let speeds = try measure {
                for position in depth..<(depth + generatedTokens) {
                    _ = try runner.execute(.singleSequence(tokens: [randomTokens[position]], startPosition: position,
                                                           blockTables: tables, blockSize: blockSize))
                }
                return generatedTokens
            }
            report(name, runner.threadCount, "tg\(generatedTokens)\(suffix)", speeds)
        }
    }

    /// Runs `body` once to warm up, then `repetitions` times; returns tokens per second of each timed run.
    private func measure(_ body: () throws -> Int) throws -> [Double] {
        _ = try body()
        return try (0..<repetitions).map { _ in
            let start = DispatchTime.now()
            let tokens = try body()
            return Double(tokens) / seconds(since: start)
        }
    }

    private func report(_ model: String, _ threads: Int, _ test: String, _ speeds: [Double]) {
        let sorted = speeds.sorted()
        let median = sorted[sorted.count / 2]
        let all = speeds.map { String(format: "%.1f", $0) }.joined(separator: ", ")
        print("| \(model) | \(threads) | \(test) | \(String(format: "%.1f", median)) | \(all) |")
    }
}
