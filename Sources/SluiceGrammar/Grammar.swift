/// A symbol on the right-hand side of a rule.
public enum GrammarSymbol: Hashable, Sendable {
    case lexeme(Int)
    case nonterminal(Int)
}

/// A context-free grammar over lexemes, each lexeme a regular expression, as llguidance splits the work
/// (docs/syntax.md and parser/src/earley: lexemes are matched by the lexer's DFA, rules by an Earley
/// parser). Built by `GrammarBuilder`, then frozen into a `Grammar`.
public struct GrammarBuilder {
    public var expressions: ExpressionSet
    public private(set) var lexemes: [ExpressionID] = []
    private var lexemeIndex: [ExpressionID: Int] = [:]
    public private(set) var nonterminalNames: [String] = []
    public private(set) var rules: [(lhs: Int, rhs: [GrammarSymbol])] = []
    let limits: GrammarLimits

    public init(limits: GrammarLimits = GrammarLimits()) {
        self.limits = limits
        expressions = ExpressionSet(maxNodes: limits.maxExpressionNodes)
    }

    /// The lexeme matching `expression` (one per distinct expression).
    public mutating func lexeme(_ expression: ExpressionID) -> GrammarSymbol {
        if let i = lexemeIndex[expression] { return .lexeme(i) }
        lexemes.append(expression)
        lexemeIndex[expression] = lexemes.count - 1
        return .lexeme(lexemes.count - 1)
    }

    public mutating func literal(_ text: String) -> GrammarSymbol {
        lexeme(expressions.literal(text))
    }

    public mutating func nonterminal(_ name: String) -> Int {
        nonterminalNames.append(name)
        return nonterminalNames.count - 1
    }

    public mutating func rule(_ lhs: Int, _ rhs: [GrammarSymbol]) throws {
        if rules.count >= limits.maxRules { throw GrammarError.limitExceeded("more than \(limits.maxRules) grammar rules") }
        rules.append((lhs, rhs))
    }

    /// A fresh nonterminal with one rule per alternative.
    public mutating func choice(_ name: String, _ alternatives: [[GrammarSymbol]]) throws -> GrammarSymbol {
        if alternatives.count == 1, alternatives[0].count == 1 { return alternatives[0][0] }
        let n = nonterminal(name)
        for a in alternatives { try rule(n, a) }
        return .nonterminal(n)
    }

    /// Freezes the grammar with `start` as its start symbol; `skipWhitespace` lets JSON whitespace precede
    /// every lexeme (llguidance's `skip` lexeme, folded into each lexeme's start).
    public func build(start: GrammarSymbol, skipWhitespace: Bool) throws -> Grammar {
        var expressions = self.expressions
        var lexemeStarts = lexemes
        if skipWhitespace {
            let ws = expressions.repeatRange(expressions.byteSet(ByteSet(bytes: [0x20, 0x0A, 0x0D, 0x09])), min: 0, max: nil)
            lexemeStarts = lexemes.map { expressions.concat(ws, $0) }
        }
        return Grammar(expressions: expressions, lexemeStarts: lexemeStarts, nonterminalCount: nonterminalNames.count,
                       rules: rules, start: start, limits: limits)
    }
}

/// A frozen grammar in the flat form the Earley parser walks.
///
/// Rule positions are flattened into one array: rule r's symbols, then an end marker. An Earley item is
/// (position, origin set). Symbol codes: a lexeme t is `t`, a nonterminal n is `-(n + 2)`, an end is `-1`.
public struct Grammar: Sendable {
    public let expressions: ExpressionSet
    /// Each lexeme's expression as the lexer starts it (whitespace prefix included).
    public let lexemeStarts: [ExpressionID]
    let symbolAt: [Int32]
    /// For an end marker: the rule's left-hand nonterminal.
    let lhsAt: [Int32]
    /// The first position of every rule of each nonterminal.
    let ruleStarts: [[Int32]]
    let nullable: [Bool]
    /// The end position of the augmented start rule `S' → S`, at position 0.
    let acceptPosition: Int32
    public let limits: GrammarLimits
    /// The lexer DFA and per-state caches that every matcher of this grammar (and of its copies) shares.
    let sharedLexers = SharedLexerSlot()
    public var lexemeCount: Int { lexemeStarts.count }
    public var ruleCount: Int { ruleStarts.reduce(0) { $0 + $1.count } }

    init(expressions: ExpressionSet, lexemeStarts: [ExpressionID], nonterminalCount: Int,
         rules: [(lhs: Int, rhs: [GrammarSymbol])], start: GrammarSymbol, limits: GrammarLimits) {
        self.expressions = expressions
        self.lexemeStarts = lexemeStarts
        self.limits = limits
        let augmented = nonterminalCount
        var symbolAt: [Int32] = []
        var lhsAt: [Int32] = []
        var ruleStarts = [[Int32]](repeating: [], count: nonterminalCount + 1)
        func code(_ s: GrammarSymbol) -> Int32 {
            switch s {
            case let .lexeme(t): return Int32(t)
            case let .nonterminal(n): return -Int32(n) - 2
            }
        }
        for (lhs, rhs) in [(augmented, [start])] + rules {
            ruleStarts[lhs].append(Int32(symbolAt.count))
            for s in rhs {
                symbolAt.append(code(s))
                lhsAt.append(-1)
            }
            symbolAt.append(-1)
            lhsAt.append(Int32(lhs))
        }
        self.symbolAt = symbolAt
        self.lhsAt = lhsAt
        self.ruleStarts = ruleStarts
        acceptPosition = 1
        // Nullable nonterminals, to a fixed point.
        var nullable = [Bool](repeating: false, count: nonterminalCount + 1)
        var changed = true
        while changed {
            changed = false
            for (lhs, rhs) in [(augmented, [start])] + rules where !nullable[lhs] {
                if rhs.allSatisfy({ if case let .nonterminal(n) = $0 { return nullable[n] } else { return false } }) {
                    nullable[lhs] = true
                    changed = true
                }
            }
        }
        self.nullable = nullable
    }

    /// The position of rule start for the augmented start nonterminal.
    var startNonterminal: Int { ruleStarts.count - 1 }
}
