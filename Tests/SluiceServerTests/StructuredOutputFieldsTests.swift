import Hummingbird
import SluiceEngine
import SluiceGrammar
import Testing
@testable import SluiceServer

/// Reading `response_format`, `structured_outputs` and the legacy `guided_*` fields into one constraint.
@Suite("Structured output fields: decoding and refusals")
struct StructuredOutputFieldsTests {
    func completion(_ fields: String) throws(APIError) -> StructuredOutputFields? {
        try CompletionRequest.decode(from: ByteBuffer(string: #"{"prompt": "x", "# + fields + "}")).structuredOutput
    }

    func chat(_ fields: String) throws(APIError) -> StructuredOutputFields? {
        try ChatCompletionRequest.decode(
            from: ByteBuffer(string: #"{"messages": [{"role": "user", "content": "x"}], "# + fields + "}")).structuredOutput
    }

    func refusal(_ decode: () throws -> Void) -> APIError? {
        do { try decode() } catch let error as APIError { return error } catch { Issue.record("not an APIError: \(error)") }
        return nil
    }

    static let schemaText = #"{"type":"object","properties":{"b":{"type":"integer"},"a":{"type":"string"}},"required":["b"]}"#

    @Test("response_format json_schema, structured_outputs.json and guided_json give the same schema, keys in their order")
    func jsonSchemaFields() throws {
        let expected = GrammarSpec.jsonSchema(Self.schemaText)
        let spaced = #"{"type": "object", "properties": {"b": {"type": "integer"}, "a": {"type": "string"}}, "required": ["b"]}"#
        let formats = [
            #""response_format": {"type": "json_schema", "json_schema": {"name": "p", "strict": true, "schema": \#(spaced)}}"#,
            #""structured_outputs": {"json": \#(spaced)}"#,
            #""guided_json": \#(spaced)"#,
            // vLLM also takes the schema as a string holding it.
            #""guided_json": \#(quoted(spaced))"#,
        ]
        for format in formats {
            #expect(try completion(format)?.spec == expected, "\(format)")
            #expect(try chat(format)?.spec == expected, "\(format)")
        }
        #expect(try chat(formats[0])?.field == "response_format")
        #expect(try chat(formats[2])?.field == "guided_json")
    }

    @Test("json_object, regex and choice map onto their constraints; text, null and absent fields onto none")
    func otherFields() throws {
        #expect(try chat(#""response_format": {"type": "json_object"}"#)?.spec == .anyJSON)
        #expect(try chat(#""structured_outputs": {"json_object": true}"#)?.spec == .anyJSON)
        #expect(try chat(#""structured_outputs": {"regex": "[0-9]+"}"#)?.spec == .regex("[0-9]+"))
        #expect(try completion(#""guided_regex": "a|b""#)?.spec == .regex("a|b"))
        #expect(try chat(#""structured_outputs": {"choice": ["yes", "no"]}"#)?.spec == .choice(["yes", "no"]))
        #expect(try completion(#""guided_choice": ["yes", "no"]"#)?.spec == .choice(["yes", "no"]))
        #expect(try chat(#""response_format": {"type": "text"}"#) == nil)
        #expect(try chat(#""response_format": null, "guided_json": null, "structured_outputs": null"#) == nil)
        #expect(try chat(#""temperature": 0"#) == nil)
        // The backend choice of vLLM's legacy API changes nothing here.
        #expect(try completion(#""guided_regex": "a", "guided_decoding_backend": "xgrammar""#)?.spec == .regex("a"))
    }

    @Test("a GBNF grammar is read from vLLM's structured_outputs.grammar and guided_grammar and llama-server's grammar")
    func grammars() throws {
        #expect(try chat(#""structured_outputs": {"grammar": "root ::= \"a\""}"#)?.spec == .gbnf(#"root ::= "a""#))
        #expect(try completion(#""guided_grammar": "root ::= \"a\"""#)?.spec == .gbnf(#"root ::= "a""#))
        #expect(try completion(#""grammar": "root ::= \"a\"""#)?.field == "grammar")
        #expect(try chat(#""grammar": "root ::= \"a\"""#)?.spec == .gbnf(#"root ::= "a""#))
        let error = refusal { _ = try chat(#""grammar": 5"#) }
        #expect(error?.param == "grammar")
        #expect(error?.message.contains("GBNF") == true)
    }

    @Test("structural tags, whitespace patterns and unknown options are refused by name", arguments: [
        (#""structured_outputs": {"structural_tag": "{}"}"#, "structured_outputs.structural_tag"),
        (#""structured_outputs": {"json": {}, "whitespace_pattern": " "}"#, "structured_outputs.whitespace_pattern"),
        (#""guided_whitespace_pattern": " ""#, "guided_whitespace_pattern"),
        (#""response_format": {"type": "grammar"}"#, "response_format.type"),
    ])
    func refusedByName(fields: String, param: String) {
        let error = refusal { _ = try chat(fields) }
        #expect(error?.status == .badRequest)
        #expect(error?.code == "unsupported_feature")
        #expect(error?.param == param)
        #expect(error?.message.contains(param.components(separatedBy: ".").last!) == true)
    }

    @Test("malformed constraints and two constraints at once are 400s naming the field", arguments: [
        (#""response_format": {"type": "json_schema"}"#, "response_format.json_schema.schema"),
        (#""response_format": {"json_schema": {}}"#, "response_format"),
        (#""structured_outputs": {"regex": 5}"#, "structured_outputs.regex"),
        (#""structured_outputs": {"choice": []}"#, "structured_outputs.choice"),
        (#""structured_outputs": {"regex": "a", "choice": ["a"]}"#, "structured_outputs"),
        (#""structured_outputs": "json""#, "structured_outputs"),
        (#""guided_json": "{not json""#, "guided_json"),
        (#""guided_json": [1]"#, "guided_json"),
        (#""response_format": {"type": "json_object"}, "guided_regex": "a""#, "guided_regex"),
    ])
    func malformed(fields: String, param: String) {
        let error = refusal { _ = try chat(fields) }
        #expect(error?.status == .badRequest)
        #expect(error?.param == param)
    }

    @Test("the grammar cache keeps the most recently used grammars and evicts the least recently used")
    func cacheEviction() throws {
        let vocabulary = TokenVocabulary(tokenBytes: (0..<256).map { [UInt8($0)] }, endTokenIDs: [])
        func compiled(_ spec: GrammarSpec) throws -> StructuredOutput {
            try StructuredOutput(compiling: spec, vocabulary: vocabulary)
        }
        var cache = GrammarCache(capacity: 2)
        let a = GrammarSpec.regex("a"), b = GrammarSpec.regex("b"), c = GrammarSpec.regex("c")
        cache.insert(try compiled(a), for: a)
        cache.insert(try compiled(b), for: b)
        #expect(cache.value(for: a)?.spec == a) // a is now more recent than b
        cache.insert(try compiled(c), for: c)
        #expect(cache.count == 2)
        #expect(cache.contains(a))
        #expect(!cache.contains(b))
        #expect(cache.contains(c))
        #expect(cache.value(for: b) == nil)
    }
}
