/// Compiles a GBNF grammar (``GBNFParser``) into the same ``Grammar`` the JSON schema compiler makes: each
/// rule a nonterminal, each terminal a lexeme.
///
/// Every lexeme is one code point (a literal's characters one by one, a class, `.`): GBNF is a grammar over
/// characters, and a lexeme that cannot grow past one character never makes the greedy lexer choose where a
/// terminal ends, so the Earley parser alone decides, and any GBNF grammar keeps its meaning (ambiguity and
/// left recursion included: Earley takes both, where llama.cpp refuses left recursion). Repetition becomes
/// helper nonterminals: `x*` a left-recursive list (one Earley item per set however long), `x{m,n}` m copies
/// and a chain of n - m optional ones. The total of symbols written is bounded so that a short grammar of
/// large counts (`(x{10000}){10000}` is 20,000, not 10^8) cannot make a large one.
public enum GBNFCompiler {
    /// Grammar symbols (rule right-hand sides together) one grammar may compile to.
    public static let maxSymbols = 1_000_000

    public static func compile(_ text: String, limits: GrammarLimits = GrammarLimits()) throws -> Grammar {
        let rules = try GBNFParser.parse(text, maxRepeat: limits.maxRepeat)
        var lowering = Lowering(builder: GrammarBuilder(limits: limits))
        for (name, _) in rules { lowering.nonterminals[name] = lowering.builder.nonterminal(name) }
        for (name, body) in rules {
            let lhs = lowering.nonterminals[name]!
            for alternative in Lowering.alternatives(of: body) {
                try lowering.rule(lhs, try lowering.symbols(alternative))
            }
        }
        return try lowering.builder.build(start: .nonterminal(lowering.nonterminals["root"]!), skipWhitespace: false)
    }

    private struct Lowering {
        var builder: GrammarBuilder
        var nonterminals: [String: Int] = [:]
        var symbolCount = 0
        var helperCount = 0

        static func alternatives(of expression: GBNFExpression) -> [GBNFExpression] {
            if case .alternation(let options) = expression { return options }
            return [expression]
        }

        mutating func rule(_ lhs: Int, _ rhs: [GrammarSymbol]) throws {
            symbolCount += rhs.count + 1
            if symbolCount > GBNFCompiler.maxSymbols {
                throw GrammarError.limitExceeded("the grammar expands to more than \(GBNFCompiler.maxSymbols) symbols")
            }
            try builder.rule(lhs, rhs)
        }

        /// The symbols `expression` is, in order.
        mutating func symbols(_ expression: GBNFExpression) throws -> [GrammarSymbol] {
            switch expression {
            case .sequence(let items):
                var result: [GrammarSymbol] = []
                for item in items { result += try symbols(item) }
                return result
            case .literal(let codepoints):
                symbolCount += codepoints.count
                return codepoints.map { character(CodepointSet([$0...$0])) }
            case .characters(let set):
                return [character(set)]
            case .rule(let name):
                return [.nonterminal(nonterminals[name]!)]
            case .alternation(let options):
                let helper = newHelper()
                for option in options { try rule(helper, try symbols(option)) }
                return [.nonterminal(helper)]
            case .repetition(let item, let min, let max):
                let one = try single(item)
                symbolCount += min
                var result = Array(repeating: one, count: min)
                guard let max else {
                    // list → ε | list item: left recursion keeps one Earley item per set.
                    let list = newHelper()
                    try rule(list, [])
                    try rule(list, [.nonterminal(list), one])
                    result.append(.nonterminal(list))
                    return result
                }
                if max > min {
                    // optional_k → ε | item optional_(k-1), nested so a prefix never has two parses.
                    var tail: GrammarSymbol?
                    for _ in min..<max {
                        let optional = newHelper()
                        try rule(optional, [])
                        try rule(optional, [one] + (tail.map { [$0] } ?? []))
                        tail = .nonterminal(optional)
                    }
                    result.append(tail!)
                }
                return result
            }
        }

        /// `expression` as one symbol: itself when it is one, else a helper nonterminal for it.
        mutating func single(_ expression: GBNFExpression) throws -> GrammarSymbol {
            let parts = try symbols(expression)
            if parts.count == 1 { return parts[0] }
            let helper = newHelper()
            try rule(helper, parts)
            return .nonterminal(helper)
        }

        mutating func character(_ set: CodepointSet) -> GrammarSymbol {
            builder.lexeme(RegexLowering.utf8(set, into: &builder.expressions))
        }

        mutating func newHelper() -> Int {
            helperCount += 1
            return builder.nonterminal("gbnf-\(helperCount)")
        }
    }
}
