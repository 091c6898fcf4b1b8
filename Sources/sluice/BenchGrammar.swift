import ArgumentParser
import Foundation
import SluiceGrammar
import SluiceModel
import SluiceTokenizer

/// `sluice bench grammar`: the grammar engine over MaskBench, single thread: compile time per schema,
/// time per token mask along each valid instance, and correctness (valid instances accepted token by token
/// with the mask allowing each token, invalid ones rejected), as llguidance's MaskBench reports them.
struct BenchGrammar: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Grammar compile and mask times, and correctness, over MaskBench.")

    @Option(help: "A GGUF file whose tokenizer gives the vocabulary (Qwen2.5's for comparable figures).")
    var model: String

    @Option(help: "The MaskBench case directory.")
    var maskbench: String = "../shared/data/maskbench"

    @Option(help: "Only the first N cases (sorted by name).")
    var limit: Int?

    @Option(help: "Every k-th case only.")
    var every: Int = 1

    @Option(help: "Write per-case results as JSON lines here.")
    var output: String?

    @Option(help: "Write the vocabulary and every instance's tokens here, for scripts/bench_grammar_peers.py.")
    var export: String?

    @Flag(help: "Give each instance's matcher empty caches of its own, as MaskBench's own runs do; by default matchers of one schema share the lexer and its caches, as the server's do.")
    var coldMatchers = false

    @Flag(help: "Print each failing instance.")
    var verbose = false

    func run() throws {
        let tokenizer = try makeTokenizer(vocabulary: try TokenizerVocabulary(gguf: try GGUFFile(path: model)))
        var start = DispatchTime.now().uptimeNanoseconds
        let vocabulary = TokenVocabulary(tokenBytes: (0..<tokenizer.vocabularySize).map { tokenizer.tokenBytes($0) },
                                         endTokenIDs: tokenizer.endOfGenerationTokenIDs.sorted())
        let trieMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print("vocabulary: \(vocabulary.size) tokens, trie of \(vocabulary.trie.nodeCount) nodes and its slices built in \(String(format: "%.0f", trieMs)) ms")
        print("matchers: \(coldMatchers ? "each instance's own, cold caches" : "sharing each schema's lexer and caches (as the server does)")")
        var cases = try MaskBenchCase.load(directory: maskbench)
        cases = stride(from: 0, to: cases.count, by: max(1, every)).map { cases[$0] }
        if let limit { cases = Array(cases.prefix(limit)) }

        var compileTimes: [Double] = [], maskTimes: [Double] = []
        var compiled = 0, validTotal = 0, validAccepted = 0, invalidTotal = 0, invalidRejected = 0, disagreements = 0
        var refusals: [String: Int] = [:]
        var lines: [String] = []
        var exported: [String] = []
        if let export {
            try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
            let hex = vocabulary.tokenBytes.map { bytes in JSONValue.quoted(bytes.map { String(format: "%02x", $0) }.joined()) }
            let text = #"{"tokens":[\#(hex.joined(separator: ","))],"end_tokens":\#(vocabulary.endTokenIDs)}"#
            try text.write(toFile: export + "/vocabulary.json", atomically: true, encoding: .utf8)
        }
        for c in cases {
            let tokenized = c.instances.map { tokenizer.encode($0.data.compactText(), addSpecialTokens: false, parseSpecial: false) }
            if export != nil {
                let instances = zip(c.instances, tokenized).map { #"{"valid":\#($0.valid),"tokens":\#($1)}"# }
                exported.append(#"{"case":\#(JSONValue.quoted(c.name)),"schema":\#(JSONValue.quoted(c.schemaText)),"instances":[\#(instances.joined(separator: ","))]}"#)
            }
            start = DispatchTime.now().uptimeNanoseconds
            let grammar: Grammar
            do {
                grammar = try GrammarSpec.jsonSchema(c.schemaText).compile()
                _ = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
            } catch {
                let reason = (error as? GrammarError).map(Self.category) ?? "\(error)"
                refusals[reason, default: 0] += 1
                lines.append(#"{"case":\#(JSONValue.quoted(c.name)),"error":\#(JSONValue.quoted("\(error)"))}"#)
                continue
            }
            let compileMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            compileTimes.append(compileMs)
            compiled += 1
            var caseValid = 0, caseInvalid = 0
            for (instance, tokens) in zip(c.instances, tokenized) {
                let result = try GrammarMatcher.check(grammar: grammar, vocabulary: vocabulary, tokens: tokens, checkMasks: instance.valid,
                                                      sharingCaches: !coldMatchers)
                maskTimes += result.maskNanoseconds.map { Double($0) / 1000 }
                if result.disagreement != nil { disagreements += 1 }
                if instance.valid {
                    validTotal += 1
                    if result.accepted { validAccepted += 1; caseValid += 1 }
                    else if verbose { print("REJECTED valid \(c.name): \(instance.data.compactText().prefix(300))") }
                } else {
                    invalidTotal += 1
                    if !result.accepted { invalidRejected += 1; caseInvalid += 1 }
                    else if verbose { print("ACCEPTED invalid \(c.name): \(instance.data.compactText().prefix(300))") }
                }
                if verbose, let d = result.disagreement { print("MASK \(c.name): \(d)") }
            }
            lines.append(#"{"case":\#(JSONValue.quoted(c.name)),"compile_ms":\#(compileMs),"valid_ok":\#(caseValid),"invalid_ok":\#(caseInvalid)}"#)
        }
        if let export { try (exported.joined(separator: "\n") + "\n").write(toFile: export + "/instances.jsonl", atomically: true, encoding: .utf8) }
        if let output { try (lines.joined(separator: "\n") + "\n").write(toFile: output, atomically: true, encoding: .utf8) }

        func percentile(_ xs: [Double], _ p: Double) -> Double {
            let s = xs.sorted()
            return s.isEmpty ? .nan : s[min(s.count - 1, Int(Double(s.count) * p))]
        }
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
        let f = { (x: Double) in String(format: "%.1f", x) }
        print("cases: \(cases.count), compiled: \(compiled) (\(f(100 * Double(compiled) / Double(max(1, cases.count))))%)")
        print("valid instances accepted: \(validAccepted) / \(validTotal); invalid rejected: \(invalidRejected) / \(invalidTotal); mask/accept disagreements: \(disagreements)")
        print("| masks | p50 µs | p90 µs | p99 µs | max µs | mean µs | compile p50 ms | compile p99 ms | compile mean ms |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        print("| \(maskTimes.count) | \(f(percentile(maskTimes, 0.5))) | \(f(percentile(maskTimes, 0.9))) | \(f(percentile(maskTimes, 0.99))) | \(f(maskTimes.max() ?? .nan)) | \(f(mean(maskTimes))) | "
              + "\(String(format: "%.2f", percentile(compileTimes, 0.5))) | \(String(format: "%.2f", percentile(compileTimes, 0.99))) | \(String(format: "%.2f", mean(compileTimes))) |")
        print("refusals by reason:")
        for (reason, n) in refusals.sorted(by: { $0.value > $1.value }) { print("  \(n)  \(reason)") }
    }

    static func category(_ e: GrammarError) -> String {
        switch e {
        case let .unsupportedKeywords(k): return "unsupported: " + k.joined(separator: ", ")
        case let .invalidRegex(m): return "regex: " + m.prefix(60)
        case let .invalidSchema(m): return "schema: " + m.prefix(60)
        case let .invalidJSON(m): return "json: " + m.prefix(60)
        case let .invalidGrammar(m): return "grammar: " + m.prefix(60)
        case let .limitExceeded(m): return "limit: " + m.prefix(60)
        }
    }
}
