import SluiceTemplate
import Testing

@Suite("Template values")
struct JinjaValueTests {
    @Test("literals build values, and object literals keep their key order")
    func literals() {
        let message: JinjaValue = ["role": "user", "content": "Hi", "n": 1, "x": 1.5, "ok": true, "none": nil, "list": [1, "a"]]
        guard case .object(let object) = message else {
            Issue.record("not an object")
            return
        }
        #expect(object.keys == ["role", "content", "n", "x", "ok", "none", "list"])
        #expect(object["n"] == .int(1))
        #expect(object["x"] == .double(1.5))
        #expect(object["none"] == .null)
    }

    @Test("floats print as Python's repr prints them", arguments: [
        (1.0, "1.0"), (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (0.0001, "0.0001"),
        (0.00001, "1e-05"), (-0.0, "-0.0"), (123456789.125, "123456789.125"), (1.5e-7, "1.5e-07"),
        (2.5e300, "2.5e+300"), (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (0.30000000000000004, "0.30000000000000004"), (12345678901234567.0, "1.2345678901234568e+16"),
        (Double.infinity, "inf"), (-Double.infinity, "-inf"),
    ])
    func floatFormatting(value: Double, expected: String) {
        #expect(JinjaValue.double(value).pythonString == expected)
    }

    @Test("strings and collections print as Python's str and repr do")
    func pythonStrings() {
        let value: JinjaValue = ["a": [1, "it's", nil, true, 2.0], "b": "tab\t\"q\""]
        #expect(value.pythonString == #"{'a': [1, "it's", None, True, 2.0], 'b': 'tab\t"q"'}"#)
        #expect(JinjaValue.undefined.pythonString == "")
        #expect(JinjaValue.string("é\u{7}").pythonRepr == "'é\\x07'")
    }

    @Test("JSON parsing keeps key order and tells ints from doubles")
    func jsonParsing() throws {
        let value = try JinjaValue(parsingJSON: #"{"z": 1, "a": [1.0, 2, -3e2, "\u00e9\ud83d\ude00\n"], "m": {"y": null, "b": false}}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.objectValue?["a"] == [.double(1.0), .int(2), .double(-300), .string("é😀\n")])
        #expect(value.objectValue?["m"]?.objectValue?.keys == ["y", "b"])
    }

    @Test("malformed JSON is an error that says where")
    func jsonErrors() {
        #expect(throws: JinjaError.invalidJSON("expected '}' at byte 8")) { try JinjaValue(parsingJSON: #"{"a": 1 "b": 2}"#) }
        #expect(throws: JinjaError.self) { try JinjaValue(parsingJSON: "[1, 2") }
    }

    @Test("truthiness follows Python")
    func truthiness() {
        #expect(!JinjaValue.string("").isTruthy)
        #expect(!JinjaValue.array([]).isTruthy)
        #expect(!JinjaValue.object([:]).isTruthy)
        #expect(!JinjaValue.int(0).isTruthy)
        #expect(!JinjaValue.null.isTruthy)
        #expect(!JinjaValue.undefined.isTruthy)
        #expect(JinjaValue.string(" ").isTruthy)
        #expect(JinjaValue.double(0.1).isTruthy)
    }

    @Test("objects compare without regard to key order, as Python dicts do")
    func objectEquality() {
        #expect(JinjaValue.object(["a": 1, "b": 2]) == JinjaValue.object(["b": 2, "a": 1]))
        #expect(JinjaValue.object(["a": 1]) != JinjaValue.object(["a": 2]))
    }
}
