import Foundation
import Testing
@testable import SluiceGrammar

/// The fast mask (vocabulary slices, cached splits shared between matchers, byte classes) against the plain
/// walk, bit for bit, on Qwen2.5's vocabulary.
@Suite("Sliced masks and shared lexers")
struct SlicedMaskTests {
    /// Schemas and outputs that visit in-string states of every kind: unbounded strings, strings with a few or
    /// many characters left, patterns, keys of open objects (a lexeme with a `Not`), enums, formats,
    /// non-ASCII text and escapes.
    static let cases: [(schema: String, texts: [String])] = [
        (#"{"type":"object","properties":{"name":{"type":"string"},"code":{"type":"string","maxLength":5},"#
            + #""note":{"type":"string","minLength":2,"maxLength":40},"id":{"type":"string","pattern":"^[a-z]{2,6}-[0-9]+$"}},"#
            + #""required":["name","code"]}"#,
         [#"{"name":"Grace Hopper, rear admiral","code":"ab1","note":"compilers \"first\"\\n and COBOL","id":"navy-1906"}"#,
          #"{"name":"東京タワー 🚀 café","code":"é🚀x"}"#]),
        (#"{"type":"object","additionalProperties":{"type":"integer"},"properties":{"alpha":{"type":"boolean"}}}"#,
         [#"{"alpha":true,"alphabet":12,"beta gamma delta epsilon zeta":-3,"ünïcode":0}"#]),
        (#"{"type":"array","items":{"enum":["red","green","dark blue"]},"maxItems":4}"#,
         [#"["red","dark blue","green"]"#]),
        (#"{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"uid":{"type":"string","format":"uuid"},"#
            + #""tags":{"type":"array","items":{"type":"string","maxLength":12}}}}"#,
         [#"{"when":"2024-02-29T12:30:00Z","uid":"123e4567-e89b-12d3-a456-426614174000","tags":["a","exactly12chr","δ"]}"#]),
    ]

    /// Compares the two masks at every position of `tokens` (and after the last); returns how many positions
    /// took at least one slice whole.
    static func compare(_ grammar: Grammar, _ tokens: [Int], label: String, sharing: Bool = true) throws -> Int {
        let vocabulary = QwenVocabulary.vocabulary
        let matcher = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary, sharingCaches: sharing)
        var fast = TokenBitmask(size: vocabulary.size), plain = TokenBitmask(size: vocabulary.size)
        var sliced = 0
        for (i, token) in tokens.enumerated() {
            try matcher.computeMask(into: &fast)
            try matcher.computeReferenceMask(into: &plain)
            #expect(fast == plain, "\(label): masks differ before token \(i) (fast \(fast.allowedCount), plain \(plain.allowedCount))")
            if try matcher.slicesTaken > 0 { sliced += 1 }
            try #require(try matcher.accept(token), "\(label): token \(i) refused")
        }
        try matcher.computeMask(into: &fast)
        try matcher.computeReferenceMask(into: &plain)
        #expect(fast == plain, "\(label): masks differ at the end")
        return sliced
    }

    static func tokens(_ text: String) -> [Int] {
        QwenVocabulary.tokenizer.encode(text, addSpecialTokens: false, parseSpecial: false)
    }

    @Test("the slices partition the vocabulary by content and length")
    func partition() {
        let vocabulary = QwenVocabulary.vocabulary
        let slices = vocabulary.slices
        #expect(slices.count == TokenSlices.lengthBounds.count)
        #expect(zip(slices.maxLengths, slices.maxLengths.dropFirst()).allSatisfy { $0 < $1 })
        var owner = [Int](repeating: -1, count: vocabulary.size)
        for k in 0...slices.count {
            let trie = slices.tries[k]
            for t in trie.tokenIDs {
                #expect(owner[Int(t)] == -1, "token \(t) in two slices")
                owner[Int(t)] = k
            }
        }
        var sliced = 0
        for (id, bytes) in vocabulary.tokenBytes.enumerated() {
            let k = owner[id]
            #expect((k == -1) == bytes.isEmpty, "token \(id)")
            let inMask = slices.cumulativeMasks[slices.count][id >> 6] & (1 << UInt64(id & 63)) != 0
            #expect(inMask == (k >= 0 && k < slices.count), "token \(id)")
            guard k >= 0, k < slices.count else { continue }
            sliced += 1
            #expect(slices.automaton.staysAlive(on: bytes))
            #expect(bytes.count <= slices.maxLengths[k] && (k == 0 || bytes.count > slices.maxLengths[k - 1]))
        }
        // Most of Qwen2.5's tokens could sit inside a JSON string; those with a quote, a backslash or a control
        // byte, or that start inside a UTF-8 character, could not.
        #expect(sliced > 140_000 && sliced < vocabulary.size - 1_000, "\(sliced) tokens sliced")
    }

    @Test("the sliced mask equals the plain walk bit for bit, compact and pretty, and slices are taken")
    func equalsPlainWalk() throws {
        var sliced = 0
        for (n, c) in Self.cases.enumerated() {
            let grammar = try GrammarSpec.jsonSchema(c.schema).compile()
            for text in c.texts {
                let pretty = try JSONValue.parse(Array(text.utf8)).prettyText()
                sliced += try Self.compare(grammar, Self.tokens(text), label: "case \(n)")
                sliced += try Self.compare(grammar, Self.tokens(pretty), label: "case \(n), pretty")
                // A cold matcher builds its splits afresh: the same masks again.
                sliced += try Self.compare(grammar, Self.tokens(text), label: "case \(n), cold", sharing: false)
            }
        }
        #expect(sliced > 20, "only \(sliced) positions took a slice")
    }

    @Test("on MaskBench's valid instances the sliced mask equals the plain walk",
          .enabled(if: MaskBenchTests.available, "MaskBench's cases are not beside this checkout"))
    func maskBench() throws {
        let all = try MaskBenchCase.load(directory: MaskBenchTests.directory).filter { !$0.instances.isEmpty }
        var compared = 0
        for c in stride(from: 7, to: all.count, by: 150).map({ all[$0] }) {
            guard let grammar = try? GrammarSpec.jsonSchema(c.schemaText).compile(),
                  let instance = c.instances.first(where: \.valid) else { continue }
            _ = try Self.compare(grammar, Self.tokens(instance.data.compactText()), label: c.name)
            compared += 1
        }
        #expect(compared > 8)
    }

    @Test("strings bounded near the slice test's depth: the sliced mask equals the plain walk at every count left")
    func boundsNearTheSliceDepth() throws {
        // Byte by byte, so that the count left takes every value: a bounded repetition is judged as an unbounded
        // one only while its bound is past the depth (SharedLexer.livesOnContent); judged so any earlier, it
        // would take a slice whose longest tokens overrun the string.
        let vocabulary = QwenVocabulary.vocabulary
        var byteToken = [Int](repeating: -1, count: 256)
        for (id, bytes) in vocabulary.tokenBytes.enumerated() where bytes.count == 1 && byteToken[Int(bytes[0])] < 0 {
            byteToken[Int(bytes[0])] = id
        }
        let longest = vocabulary.slices.longest
        for bound in (longest - 2)...(longest + 2) {
            let schema = #"{"type":"array","items":{"type":"string","maxLength":\#(bound)}}"#
            let grammar = try GrammarSpec.jsonSchema(schema).compile()
            let text = "[\"" + String(repeating: "a", count: bound) + "\"]"
            let sliced = try Self.compare(grammar, text.utf8.map { byteToken[Int($0)] }, label: "maxLength \(bound)", sharing: false)
            #expect(sliced >= bound / 2, "maxLength \(bound): \(sliced) positions took a slice")
        }
    }

    @Test("matchers of one grammar share its lexer; an unshared matcher starts cold")
    func sharing() throws {
        let grammar = try GrammarSpec.jsonSchema(Self.cases[0].schema).compile()
        let vocabulary = QwenVocabulary.vocabulary
        let first = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
        var mask = TokenBitmask(size: vocabulary.size)
        for token in Self.tokens(Self.cases[0].texts[0]) {
            try first.computeMask(into: &mask)
            try #require(try first.accept(token))
        }
        let grown = first.lexerStateCount
        #expect(grown > 50)
        // A copy of the grammar value shares too: the engine passes grammars by value.
        let copy = grammar
        #expect(try GrammarMatcher(grammar: copy, vocabulary: vocabulary).lexerStateCount == grown)
        #expect(try GrammarMatcher(grammar: grammar, vocabulary: vocabulary, sharingCaches: false).lexerStateCount < 10)
    }

    @Test("a shared lexer past a quarter of the state limit is not handed to new matchers")
    func renewal() throws {
        var limits = GrammarLimits()
        limits.maxLexerStates = 400
        let grammar = try GrammarSpec.jsonSchema(#"{"type":"string","maxLength":5000}"#).compile(limits: limits)
        let vocabulary = QwenVocabulary.vocabulary
        let first = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
        var mask = TokenBitmask(size: vocabulary.size)
        // Every character of a bounded string is a new lexer state: feed until a quarter of the limit is used.
        let text = "\"" + String(repeating: "a bounded string grows one lexer state per character; ", count: 8)
        for token in Self.tokens(text) where first.lexerStateCount <= 100 {
            try first.computeMask(into: &mask)
            try #require(try first.accept(token))
        }
        #expect(first.lexerStateCount > 100)
        let second = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
        #expect(second.lexerStateCount < 10)
        // The old lexer stays with the matcher that holds it.
        try first.computeMask(into: &mask)
        #expect(first.lexerStateCount > 100)
    }

    @Test("matchers on several threads at once compute the masks one thread computes")
    func threads() throws {
        let grammar = try GrammarSpec.jsonSchema(Self.cases[0].schema).compile()
        let vocabulary = QwenVocabulary.vocabulary
        let texts = Self.cases[0].texts.map(Self.tokens)
        @Sendable func masks(_ tokens: [Int], sharing: Bool) throws -> [TokenBitmask] {
            let matcher = try GrammarMatcher(grammar: grammar, vocabulary: vocabulary, sharingCaches: sharing)
            var out: [TokenBitmask] = []
            for token in tokens {
                var mask = TokenBitmask(size: vocabulary.size)
                try matcher.computeMask(into: &mask)
                out.append(mask)
                guard try matcher.accept(token) else { break }
            }
            return out
        }
        let expected = try texts.map { try masks($0, sharing: false) }
        let results = Locked<[Int: Bool]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let ok = (try? masks(texts[i % texts.count], sharing: true)) == expected[i % texts.count]
            results.withLock { $0[i] = ok }
        }
        #expect(results.withLock { $0 }.values.allSatisfy { $0 } && results.withLock { $0 }.count == 8)
    }

    @Test("a lexer state moves on every byte as its lexemes' derivatives do (byte classes fill whole rows)")
    func byteClasses() throws {
        let grammar = try GrammarSpec.jsonSchema(Self.cases[0].schema).compile()
        let lexer = Lexer(grammar: grammar)
        var expressions = grammar.expressions
        var generator = SystemRandomNumberGenerator()
        let interesting: [UInt8] = Array(#"{}[]":,\ aAzZ09-_.eE+"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC2, 0xE6, 0xF0, 0xFF]
        for t in 0..<grammar.lexemeCount {
            for _ in 0..<200 {
                var state = try lexer.start([Int32(t)])
                var expression = grammar.lexemeStarts[t]
                for _ in 0..<Int.random(in: 1...12, using: &generator) {
                    let b = Bool.random(using: &generator) ? interesting.randomElement(using: &generator)!
                        : UInt8.random(in: 0...255, using: &generator)
                    state = try lexer.next(state, b)
                    expression = try expressions.derivative(expression, b)
                    #expect((state == 0) == (expression == ExpressionSet.nothing))
                    if state == 0 { break }
                    #expect(lexer.accepting[Int(state)].contains(Int32(t)) == expressions.isNullable(expression))
                }
            }
        }
    }
}

/// A value behind a lock, for collecting results across threads in tests.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
