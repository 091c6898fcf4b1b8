import Testing
@testable import SluiceGrammar

@Suite("Earley parser over lexemes")
struct EarleyTests {
    /// S → "(" S ")" S | ε, plus a left-recursive list L → L "," x | x.
    func parens() throws -> Grammar {
        var b = GrammarBuilder()
        let s = b.nonterminal("S")
        try b.rule(s, [b.literal("("), .nonterminal(s), b.literal(")"), .nonterminal(s)])
        try b.rule(s, [])
        return try b.build(start: .nonterminal(s), skipWhitespace: false)
    }

    func feed(_ grammar: Grammar, _ text: String) throws -> Bool {
        let matcher = try GrammarMatcher(grammar: grammar, vocabulary: testVocabulary)
        for byte in text.utf8 { guard try matcher.accept(Int(byte)) else { return false } }
        return try matcher.canFinish()
    }

    @Test("a nullable, recursive grammar accepts exactly the balanced strings")
    func balanced() throws {
        let g = try parens()
        for text in ["", "()", "(())()", "((()))(())"] { #expect(try feed(g, text), "\(text)") }
        for text in ["(", ")", "(()", "())("] { #expect(try !feed(g, text), "\(text)") }
    }

    @Test("left recursion and multi-byte lexemes")
    func leftRecursion() throws {
        var b = GrammarBuilder()
        let list = b.nonterminal("L")
        let word = b.lexeme(b.expressions.repeatRange(b.expressions.byteSet(ByteSet(range: 0x61...0x7A)), min: 1, max: nil))
        try b.rule(list, [.nonterminal(list), b.literal(","), word])
        try b.rule(list, [word])
        let g = try b.build(start: .nonterminal(list), skipWhitespace: true)
        #expect(try feed(g, "ab,c, def"))
        #expect(try !feed(g, "ab,,c"))
        #expect(try !feed(g, "ab,"))
    }

    @Test("the mask allows exactly the tokens that keep a parse alive, and EOS only when complete")
    func mask() throws {
        let g = try parens()
        let matcher = try GrammarMatcher(grammar: g, vocabulary: testVocabulary)
        var mask = TokenBitmask(size: testVocabulary.size)
        try matcher.computeMask(into: &mask)
        let eos = testVocabulary.endTokenIDs[0]
        #expect(mask.isAllowed(Int(UInt8(ascii: "("))))
        #expect(!mask.isAllowed(Int(UInt8(ascii: ")"))))
        #expect(mask.isAllowed(eos))
        try #require(try matcher.accept(Int(UInt8(ascii: "("))))
        try matcher.computeMask(into: &mask)
        #expect(mask.isAllowed(Int(UInt8(ascii: ")"))))
        #expect(!mask.isAllowed(eos))
        #expect(mask.allowedCount == 2)
        matcher.rollback(1)
        try matcher.computeMask(into: &mask)
        #expect(mask.isAllowed(eos))
    }
}
