import Testing
@testable import SluiceGrammar

/// The scans the parser remembers (``EarleyScanMemo``): a remembered scan must be one from the very same
/// stack of sets, never one from another stack that merely has the same height or lexer state.
@Suite("Earley scan memo")
struct EarleyScanMemoTests {
    /// S → "a" N "x" | "b" N "y", N a number: after "a1" and after "b1" the stacks have the same height and
    /// the lexer the same state inside the number, but the number's end allows "x" after one and "y" after
    /// the other.
    func twoBranches() throws -> Grammar {
        var b = GrammarBuilder()
        let s = b.nonterminal("S")
        let digits = b.expressions.repeatRange(b.expressions.byteSet(ByteSet(range: 0x30...0x39)), min: 1, max: nil)
        let number = b.lexeme(digits)
        try b.rule(s, [b.literal("a"), number, b.literal("x")])
        try b.rule(s, [b.literal("b"), number, b.literal("y")])
        return try b.build(start: .nonterminal(s), skipWhitespace: false)
    }

    let vocabulary = byteVocabulary(extras: ["1x", "1y", "2x", "2y", "a1", "b1", "x", "y"])

    func token(_ text: String) -> Int {
        vocabulary.tokenBytes.firstIndex(of: Array(text.utf8))!
    }

    /// The fast mask, after checking it against the plain walk (which scans without the memo).
    func mask(_ matcher: GrammarMatcher) throws -> TokenBitmask {
        var fast = TokenBitmask(size: vocabulary.size), plain = TokenBitmask(size: vocabulary.size)
        try matcher.computeMask(into: &fast)
        try matcher.computeReferenceMask(into: &plain)
        #expect(fast == plain)
        return fast
    }

    @Test("stacks of equal height and lexer state keep their own scans, through rollbacks")
    func sameHeightOtherStack() throws {
        let matcher = try GrammarMatcher(grammar: try twoBranches(), vocabulary: vocabulary)
        for round in 0..<3 {
            try #require(try matcher.accept(token("a1")))
            var m = try mask(matcher)
            #expect(m.isAllowed(token("2x")) && m.isAllowed(token("x")), "round \(round)")
            #expect(!m.isAllowed(token("2y")) && !m.isAllowed(token("y")), "round \(round)")
            matcher.rollback(1)
            try #require(try matcher.accept(token("b1")))
            m = try mask(matcher)
            #expect(m.isAllowed(token("2y")) && m.isAllowed(token("y")), "round \(round)")
            #expect(!m.isAllowed(token("2x")) && !m.isAllowed(token("x")), "round \(round)")
            // The token that ends the number is refused on the other branch, accepted on its own.
            #expect(try !matcher.accept(token("x")))
            try #require(try matcher.accept(token("y")))
            #expect(try matcher.canFinish())
            matcher.rollback(2)
        }
    }

    @Test("a scan from the same set is remembered once and pushed again with its serial")
    func remembered() throws {
        let grammar = try twoBranches()
        let lexer = Lexer(grammar: grammar)
        var parser = try EarleyParser(grammar: grammar, lexer: lexer)
        func feed(_ state: Int32, _ text: String) throws -> Int32 {
            var s = state
            for b in text.utf8 { s = try lexer.next(s, b) }
            return s
        }
        let afterA = try feed(parser.currentLexerStart, "a")
        try #require(try parser.scan(ending: afterA, lexer: lexer))
        let numberStart = parser.currentLexerStart
        let afterNumber = try feed(numberStart, "12")
        try #require(try parser.scan(ending: afterNumber, lexer: lexer))
        let items = parser.items, starts = parser.lexerStarts
        #expect(parser.memoCount == 2)
        parser.truncate(toSetCount: 1)
        // Again from the first set: both scans come from the memo, item for item.
        try #require(try parser.scan(ending: afterA, lexer: lexer))
        #expect(parser.currentLexerStart == numberStart)
        try #require(try parser.scan(ending: afterNumber, lexer: lexer))
        #expect(parser.items == items && parser.lexerStarts == starts)
        #expect(parser.memoCount == 2)
        // A number can follow neither the number nor the start: failed scans are remembered too, and leave no set.
        #expect(try !parser.scan(ending: afterNumber, lexer: lexer))
        #expect(parser.setCount == 3)
        parser.truncate(toSetCount: 1)
        #expect(try !parser.scan(ending: afterNumber, lexer: lexer))
        #expect(parser.setCount == 1)
        #expect(parser.memoCount == 4)
    }
}
