@testable import SluiceGrammar

/// A second reading of GBNF for the tests, independent of the lexer and the Earley parser: a memoised
/// backtracking matcher straight over the parsed rules (every end position each expression can reach), and
/// a sampler of random sentences. It does not handle left recursion, which the test grammars avoid.
struct GBNFReference {
    let rules: [String: GBNFExpression]

    init(_ text: String) throws {
        rules = Dictionary(uniqueKeysWithValues: try GBNFParser.parse(text).map { ($0.name, $0.body) })
    }

    /// Whether `text` is a sentence of the grammar from `root`.
    func accepts(_ text: String) -> Bool {
        let scalars = text.unicodeScalars.map(\.value)
        var memo: [String: [Int: Set<Int>]] = [:]
        return ends(.rule("root"), scalars, from: 0, &memo).contains(scalars.count)
    }

    private func ends(_ expression: GBNFExpression, _ text: [UInt32], from start: Int,
                      _ memo: inout [String: [Int: Set<Int>]]) -> Set<Int> {
        switch expression {
        case .sequence(let items):
            var positions: Set<Int> = [start]
            for item in items {
                var next: Set<Int> = []
                for position in positions { next.formUnion(ends(item, text, from: position, &memo)) }
                positions = next
                if positions.isEmpty { break }
            }
            return positions
        case .alternation(let options):
            return options.reduce(into: Set<Int>()) { $0.formUnion(ends($1, text, from: start, &memo)) }
        case .literal(let codepoints):
            return text[start...].starts(with: codepoints) ? [start + codepoints.count] : []
        case .characters(let set):
            return start < text.count && set.contains(text[start]) ? [start + 1] : []
        case .rule(let name):
            if let known = memo[name]?[start] { return known }
            memo[name, default: [:]][start] = []  // re-entry at the same place (left recursion) finds nothing
            let result = ends(rules[name]!, text, from: start, &memo)
            memo[name, default: [:]][start] = result
            return result
        case .repetition(let item, let min, let max):
            var positions: Set<Int> = [start]
            var reached: Set<Int> = min == 0 ? [start] : []
            var count = 0
            while !positions.isEmpty, max.map({ count < $0 }) ?? true {
                var next: Set<Int> = []
                for position in positions { next.formUnion(ends(item, text, from: position, &memo)) }
                count += 1
                // Without a maximum, stop once no new position appears (an item that matches empty text).
                next.subtract(max == nil && count > min ? reached : [])
                positions = next
                if count >= min { reached.formUnion(next) }
            }
            return reached
        }
    }

    /// A random sentence: repetitions are cut short and recursion ends through its shortest alternatives
    /// once `depth` runs out.
    func sample(_ generator: inout some RandomNumberGenerator, depth: Int = 6) -> String {
        var scalars: [UInt32] = []
        emit(.rule("root"), depth: depth, into: &scalars, &generator)
        return String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
    }

    private func emit(_ expression: GBNFExpression, depth: Int, into out: inout [UInt32],
                      _ generator: inout some RandomNumberGenerator) {
        switch expression {
        case .sequence(let items):
            for item in items { emit(item, depth: depth, into: &out, &generator) }
        case .alternation(let options):
            // Out of depth, the first option (the test grammars put their base case first).
            let option = depth > 0 ? options.randomElement(using: &generator)! : options[0]
            emit(option, depth: depth, into: &out, &generator)
        case .literal(let codepoints):
            out += codepoints
        case .characters(let set):
            // A printable member when there is one, so samples stay readable.
            let printable = set.intersection(CodepointSet([0x20...0x7E]))
            let pool = printable.ranges.isEmpty ? set : printable
            let range = pool.ranges.randomElement(using: &generator)!
            out.append(UInt32.random(in: range, using: &generator))
        case .rule(let name):
            emit(rules[name]!, depth: depth - 1, into: &out, &generator)
        case .repetition(let item, let min, let max):
            let extra = depth > 0 ? Int.random(in: 0...Swift.min(3, (max ?? min + 3) - min), using: &generator) : 0
            for _ in 0..<(min + extra) { emit(item, depth: depth, into: &out, &generator) }
        }
    }
}
