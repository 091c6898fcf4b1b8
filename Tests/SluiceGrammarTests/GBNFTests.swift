import Testing
@testable import SluiceGrammar

@Suite("GBNF grammars compiled into the grammar engine")
struct GBNFTests {
    /// Grammars in the style of llama.cpp's `grammars/` examples (written for these tests): base cases first,
    /// no left recursion, so that ``GBNFReference`` can sample and check them.
    static let arithmetic = #"""
        # integer arithmetic with parentheses
        root ::= expr
        expr ::= term (ws [-+] ws term)*
        term ::= factor (ws [*/] ws factor)*
        factor ::= number | "(" ws expr ws ")" | "-" factor
        number ::= [0-9] | [1-9] [0-9]{1,3}
        ws ::= [ ]?
        """#

    static let list = #"""
        root ::= item{1,4}
        item ::= "- " [^\n]{1,20} "\n"   # one line per item
        """#

    static let jsonish = #"""
        root   ::= object
        value  ::= string | number | "true" | "false" | "null" | object | array
        object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}"
        array  ::= "[" ws ( value ("," ws value)* )? "]"
        string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\""
        number ::= "-"? ([0-9] | [1-9] [0-9]{0,5}) ("." [0-9]{1,4})?
        ws ::= | " " | "\n" [ \t]{0,4}
        """#

    static let chess = #"""
        root ::= "1. " move " " move "\n" ([1-9] [0-9]? ". " move " " move "\n"){0,3}
        move ::= (pawn | nonpawn | castle) [+#]?
        pawn ::= ([a-h] "x")? [a-h] [1-8] ("=" [NBRQ])?
        nonpawn ::= [NBKQR] [a-h]? [1-8]? "x"? [a-h] [1-8]
        castle ::= "O-O" ("-O")?
        """#

    static let unicode = #"""
        root ::= [ぁ-ゟ]+ " " ("\u00e9" | "\U0001F642" | [\x41-\x43])+ .
        """#

    static let grammars = [arithmetic, list, jsonish, chess, unicode]

    static func accepts(_ grammar: String, _ text: String) throws -> Bool {
        try grammarAccepts(.gbnf(grammar), text)
    }

    @Test("each grammar accepts its sentences and refuses near misses", arguments: [
        (arithmetic, ["1", "12 + 3", "(1+2)*-3", "9999/(4 - 5)"], ["", "01", "1 +", "(1", "12345", "1  + 2"]),
        (list, ["- milk\n", "- a\n- b c\n- é 🙂\n"], ["", "- \n", "-a\n", "- a", "- a\n- b\n- c\n- d\n- e\n"]),
        (jsonish, ["{}", "{\"a\": [1, -2.5, true, null]}", "{\"k\":\n  {\"x\": \"\\u00e9\\n\"}}"],
         ["", "[]", "{\"a\" 1}", "{\"a\": 01}", "{\"a\": \"\n\"}", "{\"a\": tru}"]),
        (chess, ["1. e4 e5\n", "1. e4 e5\n2. Nf3 Nc6\n3. Bb5 a6\n", "1. O-O-O+ exd8=Q#\n"], ["1. e4\n", "1. e9 e5\n", "1. e4 e5"]),
        (unicode, ["あい é🙂x", "ぁ A\n"], ["あ ", "a é.", "あ D."]),
    ])
    func sentences(grammar: String, good: [String], bad: [String]) throws {
        for text in good { #expect(try Self.accepts(grammar, text), "accepts \(text.debugDescription)") }
        for text in bad { #expect(try !Self.accepts(grammar, text), "refuses \(text.debugDescription)") }
    }

    @Test("random sentences of each grammar are accepted, and the compiled grammar agrees with a backtracking reading on their mutations", arguments: grammars)
    func agreesWithReference(grammar: String) throws {
        let reference = try GBNFReference(grammar)
        var generator = SeededTestGenerator(seed: 13)
        for _ in 0..<40 {
            let sentence = reference.sample(&generator)
            #expect(reference.accepts(sentence), "the reference reads its own sample \(sentence.debugDescription)")
            #expect(try Self.accepts(grammar, sentence), "\(sentence.debugDescription)")
            // Mutations: a character dropped, doubled or replaced; both readings must agree on each.
            var scalars = Array(sentence.unicodeScalars)
            guard !scalars.isEmpty else { continue }
            let at = Int.random(in: 0..<scalars.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: scalars.remove(at: at)
            case 1: scalars.insert(scalars[at], at: at)
            default: scalars[at] = ["x", "1", " ", "\"", "(", "\n"].randomElement(using: &generator)!
            }
            let mutated = String(String.UnicodeScalarView(scalars))
            #expect(try Self.accepts(grammar, mutated) == reference.accepts(mutated), "\(mutated.debugDescription)")
        }
    }

    @Test("left recursion, which llama.cpp refuses, is accepted: Earley parses it")
    func leftRecursion() throws {
        let grammar = #"root ::= list "."\#nlist ::= item | list "," item\#nitem ::= [a-z]+"#
        #expect(try Self.accepts(grammar, "a,bc,d."))
        #expect(try !Self.accepts(grammar, "a,,b."))
    }

    @Test("comments, newlines after | and inside parentheses, escapes and classes read as llama.cpp reads them")
    func syntax() throws {
        let grammar = """
            root ::= ( # a comment inside
                "a" |
                "b" ) tail  # after
            tail ::= [\\]\\[-] | "\\"\\\\" | [^abc\\n]{2}
            """
        for text in ["a]", "b[", "a-", "a\"\\", "bxy"] { #expect(try Self.accepts(grammar, text), "\(text)") }
        for text in ["ac", "a", "ab-", "bxa"] { #expect(try !Self.accepts(grammar, text), "\(text)") }
    }

    @Test("bad grammars are refused with the problem and its line and column", arguments: [
        ("", "no rules"),
        ("# only a comment\n", "no rules"),
        ("item ::= \"a\"", "no `root` rule"),
        ("root ::= item+\nitems ::= \"a\"", "line 1, column 10: rule `item` is used but never defined"),
        ("root ::= (\"a\" | \"b\"", "line 1, column 10: `(` is not closed"),
        ("root ::= \"a\")", "line 1, column 13: expected the end of the line"),
        ("root ::= \"abc", "line 1, column 10: the string literal is not closed"),
        ("root ::= [a-", "line 1, column 10: the character class is not closed"),
        ("root ::= [z-a]", "line 1, column 11: the range ends below where it starts"),
        ("root ::= \"a\"{3,1}", "maximum below its minimum"),
        ("root ::= \"a\"{2", "expected `}`"),
        ("root ::= *", "line 1, column 10: `*` must follow something to repeat"),
        ("root = \"a\"", "line 1, column 6: expected `::=`"),
        ("root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule `root` is defined twice"),
        ("root ::= \"\\q\"", "unknown escape `\\q`"),
        ("root ::= \"\\uD800\"", "not a Unicode scalar value"),
        ("root ::= <think> \"a\"", "token references"),
        ("root ::= \"a\"{20000}", "above 10000"),
        ("root ::= " + String(repeating: "(", count: 200) + "\"a\"" + String(repeating: ")", count: 200), "nested more than 100"),
    ])
    func refused(grammar: String, message: String) {
        do {
            _ = try GrammarSpec.gbnf(grammar).compile()
            Issue.record("compiled \(grammar.debugDescription)")
        } catch let error as GrammarError {
            guard case .invalidGrammar = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains(message), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("a grammar that expands past the symbol budget is refused; nested counts add, they do not multiply")
    func bounded() throws {
        let huge = "root ::= " + String(repeating: "\"a\"{10000} ", count: 101)
        #expect(throws: GrammarError.self) { _ = try GrammarSpec.gbnf(huge).compile() }
        let nested = try GrammarSpec.gbnf(#"root ::= (("ab"{10000}){10000}){10000}"#).compile()
        #expect(nested.ruleCount < 10)
    }
}

/// SplitMix64, for reproducible samples.
struct SeededTestGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49EB_7C4B_0BA4
        return z ^ (z >> 31)
    }
}
