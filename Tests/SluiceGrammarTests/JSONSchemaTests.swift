import Testing
@testable import SluiceGrammar

@Suite("JSON Schema to grammar")
struct JSONSchemaTests {
    @Test("objects: properties in order, required, optional, additionalProperties")
    func objects() throws {
        let s = schema(#"{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}"#)
        #expect(try grammarAccepts(s, #"{"a":1}"#))
        #expect(try grammarAccepts(s, #"{"a":-12,"b":"x"}"#))
        #expect(try grammarAccepts(s, "{\n  \"a\": 1,\n  \"b\": \"x\"\n}"))
        #expect(try !grammarAccepts(s, #"{"b":"x"}"#))
        #expect(try !grammarAccepts(s, #"{"a":1,"c":2}"#))
        #expect(try !grammarAccepts(s, #"{"a":1.5}"#))
        #expect(try !grammarAccepts(s, #"{"a":1,}"#))
        let open = schema(#"{"type":"object","properties":{"a":{"type":"integer"}}}"#)
        #expect(try grammarAccepts(open, #"{"a":1,"c":[true,null,{"d":"e"}]}"#))
        #expect(try grammarAccepts(open, #"{"c":2}"#))
        #expect(try grammarAccepts(open, #"{}"#))
        #expect(try !grammarAccepts(open, #"{"a":"no"}"#))
    }

    @Test("strings: lengths, patterns, formats, enum and const")
    func strings() throws {
        let s = schema(#"{"type":"string","minLength":2,"maxLength":3}"#)
        #expect(try grammarAccepts(s, #""ab""#))
        #expect(try grammarAccepts(s, #""a\nb""#))
        #expect(try !grammarAccepts(s, #""a""#))
        #expect(try !grammarAccepts(s, #""abcd""#))
        let p = schema(#"{"type":"string","pattern":"^[a-z]+-\\d+$"}"#)
        #expect(try grammarAccepts(p, #""abc-12""#))
        #expect(try !grammarAccepts(p, #""abc-""#))
        let search = schema(#"{"type":"string","pattern":"x\"y"}"#)
        #expect(try grammarAccepts(search, #""aax\"ybb""#))
        #expect(try !grammarAccepts(search, #""aaxybb""#))
        let date = schema(#"{"type":"string","format":"date-time"}"#)
        #expect(try grammarAccepts(date, #""2024-02-29T12:30:00Z""#))
        #expect(try !grammarAccepts(date, #""2024-13-29T12:30:00Z""#))
        let uuid = schema(#"{"format":"uuid","type":"string"}"#)
        #expect(try grammarAccepts(uuid, #""123e4567-e89b-12d3-a456-426614174000""#))
        let e = schema(#"{"enum":["red","green",3,null]}"#)
        #expect(try grammarAccepts(e, #""green""#))
        #expect(try grammarAccepts(e, "3"))
        #expect(try grammarAccepts(e, "null"))
        #expect(try !grammarAccepts(e, #""blue""#))
        #expect(try grammarAccepts(schema(#"{"const":{"a":[1,2]}}"#), #"{"a":[1,2]}"#))
    }

    @Test("numbers with bounds, arrays with item counts and tuples")
    func numbersAndArrays() throws {
        let n = schema(#"{"type":"integer","minimum":-5,"exclusiveMaximum":100}"#)
        #expect(try grammarAccepts(n, "-5"))
        #expect(try grammarAccepts(n, "99"))
        #expect(try !grammarAccepts(n, "100"))
        #expect(try !grammarAccepts(n, "-6"))
        let f = schema(#"{"type":"number"}"#)
        #expect(try grammarAccepts(f, "-1.5e+10"))
        #expect(try !grammarAccepts(f, "01"))
        let a = schema(#"{"type":"array","items":{"type":"boolean"},"minItems":1,"maxItems":3}"#)
        #expect(try grammarAccepts(a, "[true]"))
        #expect(try grammarAccepts(a, "[true, false, true]"))
        #expect(try !grammarAccepts(a, "[]"))
        #expect(try !grammarAccepts(a, "[true,true,true,true]"))
        let t = schema(#"{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#)
        #expect(try grammarAccepts(t, #"["a",1]"#))
        #expect(try grammarAccepts(t, #"["a"]"#))
        #expect(try !grammarAccepts(t, #"["a",1,2]"#))
        #expect(try !grammarAccepts(t, #"[1]"#))
        let unbounded = schema(#"{"type":"array","minItems":2}"#)
        #expect(try grammarAccepts(unbounded, #"[1,"x",[]]"#))
        #expect(try !grammarAccepts(unbounded, #"[1]"#))
    }

    @Test("anyOf, allOf, $ref with recursion, and type lists")
    func combinators() throws {
        let tree = schema(##"{"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v"],"additionalProperties":false}}}"##)
        #expect(try grammarAccepts(tree, #"{"v":1,"kids":[{"v":2},{"v":3,"kids":[]}]}"#))
        #expect(try !grammarAccepts(tree, #"{"v":1,"kids":[{"w":2}]}"#))
        let any = schema(#"{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"integer"}}]}"#)
        #expect(try grammarAccepts(any, #""s""#))
        #expect(try grammarAccepts(any, "[1,2]"))
        #expect(try !grammarAccepts(any, "1"))
        let all = schema(#"{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"boolean"}},"required":["b"],"additionalProperties":false}]}"#)
        #expect(try grammarAccepts(all, #"{"a":1,"b":true}"#))
        #expect(try !grammarAccepts(all, #"{"a":1}"#))
        let types = schema(#"{"type":["string","null"]}"#)
        #expect(try grammarAccepts(types, "null"))
        #expect(try !grammarAccepts(types, "1"))
    }

    @Test("json_object accepts any JSON value, regex and choice constrain whole outputs")
    func otherSpecs() throws {
        #expect(try grammarAccepts(.anyJSON, #"{"a":[1,{"b":null}],"c":"d"}"#))
        #expect(try grammarAccepts(.anyJSON, "[ 1 , 2 ]"))
        #expect(try !grammarAccepts(.anyJSON, "{a:1}"))
        #expect(try grammarAccepts(.regex("[0-9]{3}-[a-z]+"), "123-abc"))
        #expect(try !grammarAccepts(.regex("[0-9]{3}-[a-z]+"), "123-"))
        #expect(try grammarAccepts(.choice(["yes", "no"]), "no"))
        #expect(try !grammarAccepts(.choice(["yes", "no"]), "nope"))
    }

    @Test("keywords we cannot enforce are refused by name")
    func refusals() {
        #expect(throws: GrammarError.unsupportedKeywords(["not"])) {
            try schema(#"{"type":"object","not":{"required":["a"]}}"#).compile()
        }
        #expect(throws: GrammarError.unsupportedKeywords(["patternProperties"])) {
            try schema(#"{"properties":{"a":{"patternProperties":{"x":{}}}}}"#).compile()
        }
        #expect(throws: GrammarError.unsupportedKeywords(["uniqueItems"])) {
            try schema(#"{"type":"array","uniqueItems":true}"#).compile()
        }
        #expect(throws: GrammarError.unsupportedKeywords(["format: color"])) {
            try schema(#"{"type":"string","format":"color"}"#).compile()
        }
        #expect(throws: GrammarError.self) { try schema(##"{"$ref":"#/definitions/missing"}"##).compile() }
        #expect(throws: GrammarError.self) { try schema(#"{"type":"string","pattern":"(?<=a)b"}"#).compile() }
    }

    @Test("a hostile schema fails with a limit error instead of hanging")
    func limits() throws {
        var limits = GrammarLimits()
        limits.maxLexerStates = 500
        // Its DFA needs 2^20 states: each distinct window of the last 20 bytes is one.
        let g = try GrammarSpec.regex("(a|b)*a(a|b){20}").compile(limits: limits)
        let matcher = try GrammarMatcher(grammar: g, vocabulary: testVocabulary)
        var seed: UInt32 = 12345
        #expect(throws: GrammarError.self) {
            for _ in 0..<5_000 {
                seed = seed &* 1_103_515_245 &+ 12_345
                _ = try matcher.accept(Int(seed >> 16 & 1 == 0 ? UInt8(ascii: "a") : UInt8(ascii: "b")))
            }
        }
    }
}
