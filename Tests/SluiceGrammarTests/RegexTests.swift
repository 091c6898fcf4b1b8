import Testing
@testable import SluiceGrammar

@Suite("Regex parsing and derivatives")
struct RegexTests {
    func matches(_ pattern: String, _ text: String) throws -> Bool {
        var set = ExpressionSet()
        let e = try RegexLowering.anchored(try RegexParser.parse(pattern), encoding: .utf8, into: &set)
        return try set.matches(e, Array(text.utf8))
    }

    @Test("literals, classes, alternation and quantifiers match as in other engines")
    func basics() throws {
        #expect(try matches("abc", "abc"))
        #expect(try !matches("abc", "abd"))
        #expect(try matches("a(b|c)*d", "abcbcd"))
        #expect(try matches("[a-c]{2,3}", "cab"))
        #expect(try !matches("[a-c]{2,3}", "cabc"))
        #expect(try matches("[^0-9]+", "héllo"))
        #expect(try !matches("[^0-9]+", "h3"))
        #expect(try matches(#"\d{3}-\w+"#, "123-ab_c"))
        #expect(try matches("x?y+", "yyy"))
        #expect(try matches("^ab$", "ab"))
        #expect(try matches(".", "é"))
        #expect(try !matches(".", "\n"))
        #expect(try matches("[é-ë]", "ê"))
        #expect(try !matches("[é-ë]", "e"))
        #expect(try matches("😀{2}", "😀😀"))
    }

    @Test("unsupported syntax is refused, not misread")
    func refusals() {
        #expect(throws: GrammarError.self) { try RegexParser.parse("(?=a)b") }
        #expect(throws: GrammarError.self) { try RegexParser.parse(#"(a)\1"#) }
        #expect(throws: GrammarError.self) { try RegexParser.parse(#"\bword"#) }
        #expect(throws: GrammarError.self) { try RegexParser.parse("a{3,1}") }
        #expect(throws: GrammarError.self) { try RegexParser.parse("a{99999}") }
        #expect(throws: GrammarError.self) { try RegexParser.parse("(ab") }
    }

    @Test("hash-consing gives equal expressions equal ids")
    func hashConsing() throws {
        var set = ExpressionSet()
        let a = set.literal("ab"), b = set.literal("ab")
        #expect(a == b)
        #expect(set.or([a, b]) == a)
        let d = try set.derivative(try set.derivative(a, UInt8(ascii: "a")), UInt8(ascii: "b"))
        #expect(d == ExpressionSet.empty)
        #expect(try set.derivative(a, UInt8(ascii: "x")) == ExpressionSet.nothing)
    }

    @Test("And and Not exclude strings")
    func complement() throws {
        var set = ExpressionSet()
        let word = set.repeatRange(set.byteSet(ByteSet(range: UInt8(ascii: "a")...UInt8(ascii: "z"))), min: 1, max: nil)
        let e = set.and([word, set.not(set.or([set.literal("if"), set.literal("for")]))])
        #expect(try set.matches(e, Array("iff".utf8)))
        #expect(try !set.matches(e, Array("if".utf8)))
        #expect(try !set.matches(e, Array("for".utf8)))
        #expect(try set.matches(e, Array("fo".utf8)))
    }

    @Test("integer ranges match exactly the integers between the bounds")
    func integerRanges() throws {
        for (low, high) in [(0, 100), (-15, 7), (5, 1234), (-300, -20), (7, 7)] as [(Int, Int)] {
            let regex = try #require(IntegerRange.regex(low: low, high: high))
            for n in (low - 30)...(high + 30) {
                #expect(try matches(regex, String(n)) == (low...high).contains(n), "\(n) in [\(low), \(high)]")
            }
            #expect(try !matches(regex, "007"))
        }
        let open = try #require(IntegerRange.regex(low: 18, high: nil))
        #expect(try matches(open, "18"))
        #expect(try matches(open, "123456789"))
        #expect(try !matches(open, "17"))
        #expect(try !matches(open, "-1"))
        let below = try #require(IntegerRange.regex(low: nil, high: -3))
        #expect(try matches(below, "-3"))
        #expect(try matches(below, "-99999"))
        #expect(try !matches(below, "-2"))
    }
}
