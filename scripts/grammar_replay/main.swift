import Foundation

// Replays `sluice bench grammar --export DIR` through the grammar engine alone (the same loop as
// BenchGrammar.run); built by scripts/bench_grammar_replay.sh.
let args = CommandLine.arguments
let dir = args[1]
let cold = args.contains("--cold")
let verify = args.contains("--verify")
let reference = args.contains("--reference")
func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []; var it = s.utf8.makeIterator()
    func v(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
    while let a = it.next(), let b = it.next() { out.append(v(a) << 4 | v(b)) }
    return out
}
let vocabJSON = try JSONValue.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/vocabulary.json"))))
let tokens = vocabJSON["tokens"]!.arrayValue!.map { hex($0.stringValue!) }
let ends = vocabJSON["end_tokens"]!.arrayValue!.map { Int($0.doubleValue!) }
var start = DispatchTime.now().uptimeNanoseconds
let vocabulary = TokenVocabulary(tokenBytes: tokens, endTokenIDs: ends)
print("vocabulary built in \(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) ms; slices \(vocabulary.slices.maxLengths), rest trie \(vocabulary.slices.tries.last!.nodeCount) nodes")
let lines = try String(contentsOfFile: dir + "/instances.jsonl", encoding: .utf8).split(separator: "\n")
var compileTimes: [Double] = [], maskTimes: [Double] = []
var compiled = 0, validOK = 0, validN = 0, invalidOK = 0, invalidN = 0, disagreements = 0, mismatches = 0, compared = 0
for line in lines {
    let c = try JSONValue.parse(Array(line.utf8))
    let schema = c["schema"]!.stringValue!
    start = DispatchTime.now().uptimeNanoseconds
    let grammar: Grammar
    do {
        grammar = try GrammarSpec.jsonSchema(schema).compile()
        _ = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
    } catch { continue }
    compileTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    compiled += 1
    for inst in c["instances"]!.arrayValue! {
        let valid = inst["valid"]!.boolValue!
        let toks = inst["tokens"]!.arrayValue!.map { Int($0.doubleValue!) }
        if verify && valid {
            let m = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary, sharingCaches: !cold)
            var a = TokenBitmask(size: vocabulary.size), b = TokenBitmask(size: vocabulary.size)
            for t in toks + [ends[0]] {
                try m.computeMask(into: &a); try m.computeReferenceMask(into: &b); compared += 1
                if a != b { mismatches += 1; print("MISMATCH \(c["case"]!.stringValue!) at token \(t): fast \(a.allowedCount) ref \(b.allowedCount)") }
                if try !m.accept(t) { break }
            }
            continue
        }
        if args.contains("--slow") && valid {
            let m = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary, sharingCaches: !cold)
            var mask = TokenBitmask(size: vocabulary.size)
            var text: [UInt8] = []
            for t in toks + [ends[0]] {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try m.computeMask(into: &mask)
                let us = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000
                maskTimes.append(us)
                if us > 250 { print("SLOW \(Int(us)) \(c["case"]!.stringValue!) window \(t0) \(t0 + UInt64(us * 1000)) allowed \(mask.allowedCount) states \(m.lexerStateCount) after: \(String(decoding: text.suffix(60), as: UTF8.self).debugDescription)") }
                if try !m.accept(t) { break }
                if t < vocabulary.size { text += vocabulary.tokenBytes[t] }
            }
            continue
        }
        let r = try GrammarMatcher.check(grammar: grammar, vocabulary: vocabulary, tokens: toks, checkMasks: valid, sharingCaches: !cold)
        maskTimes += r.maskNanoseconds.map { Double($0) / 1000 }
        if r.disagreement != nil { disagreements += 1 }
        if valid { validN += 1; if r.accepted { validOK += 1 } } else { invalidN += 1; if !r.accepted { invalidOK += 1 } }
    }
}
func pct(_ xs: [Double], _ p: Double) -> Double { let s = xs.sorted(); return s.isEmpty ? .nan : s[min(s.count - 1, Int(Double(s.count) * p))] }
func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
let f = { (x: Double) in String(format: "%.1f", x) }
if verify { print("compared \(compared) masks, \(mismatches) mismatches") }
print("compiled \(compiled)/\(lines.count); valid \(validOK)/\(validN); invalid rejected \(invalidOK)/\(invalidN); disagreements \(disagreements)")
print("| \(maskTimes.count) | \(f(pct(maskTimes, 0.5))) | \(f(pct(maskTimes, 0.9))) | \(f(pct(maskTimes, 0.99))) | \(f(maskTimes.max() ?? .nan)) | \(f(mean(maskTimes))) | \(String(format: "%.2f", pct(compileTimes, 0.5))) | \(String(format: "%.2f", pct(compileTimes, 0.99))) | \(String(format: "%.2f", mean(compileTimes))) |")
