import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceGrammar
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Structured output through the API")
struct StructuredOutputHandlerTests {
    static let schema = #"""
        {"type": "object", "properties": {"city": {"type": "string", "maxLength": 16},
         "population": {"type": "integer", "minimum": 0}, "size": {"enum": ["small", "big"]}},
         "required": ["city", "population", "size"], "additionalProperties": false}
        """#

    /// The generated text as a JSON object with the schema's three keys, a size from the enum.
    static func expectCity(_ text: String?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let text, let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            Issue.record("not a JSON object: \(text ?? "nil")", sourceLocation: sourceLocation)
            return
        }
        #expect(Set(object.keys) == ["city", "population", "size"], "\(text)", sourceLocation: sourceLocation)
        #expect(["small", "big"].contains(object["size"] as? String ?? ""), "\(text)", sourceLocation: sourceLocation)
        #expect(((object["population"] as? NSNumber)?.intValue ?? -1) >= 0, "\(text)", sourceLocation: sourceLocation)
    }

    @Test("chat with response_format json_schema answers JSON that validates, finish_reason stop")
    func chatJSONSchema() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Describe a city as JSON."}], "max_tokens": 100, "temperature": 0,
                 "response_format": {"type": "json_schema", "json_schema": {"name": "city", "strict": true, "schema": \(Self.schema)}}}
                """)
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require(try response.json["choices"]?[0])
            #expect(choice["finish_reason"] == .string("stop"))
            Self.expectCity(choice["message"]?["content"]?.string)
        }
    }

    @Test("responses with text.format json_schema answers JSON that validates, and echoes the format; json_object gives JSON")
    func responsesJSONSchema() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/responses", """
                {"input": "Describe a city as JSON.", "max_output_tokens": 100, "temperature": 0,
                 "text": {"format": {"type": "json_schema", "name": "city", "strict": true, "schema": \(Self.schema)}}}
                """)
            #expect(response.status == .ok, "\(response.text)")
            let json = try response.json
            #expect(json["status"] == .string("completed"))
            #expect(json["text"]?["format"] == .object(["type": .string("json_schema"), "name": .string("city"), "strict": .bool(true)]))
            Self.expectCity(json["output"]?[0]?["content"]?[0]?["text"]?.string)
            // Streamed, the deltas join into the same JSON.
            let streamed = try await client.post("/v1/responses", """
                {"input": "Describe a city as JSON.", "max_output_tokens": 100, "temperature": 0, "stream": true,
                 "text": {"format": {"type": "json_schema", "name": "city", "schema": \(Self.schema)}}}
                """)
            let deltas = try streamed.namedEvents.filter { $0.name == "response.output_text.delta" }
                .compactMap { $0.data["delta"]?.string }
            #expect(deltas.joined() == json["output"]?[0]?["content"]?[0]?["text"]?.string)
            let object = try await client.post("/v1/responses", """
                {"input": "Give me a JSON object.", "max_output_tokens": 60, "temperature": 0, "text": {"format": {"type": "json_object"}}}
                """).json
            let text = try #require(object["output"]?[0]?["content"]?[0]?["text"]?.string)
            if object["status"] == .string("completed") {
                #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil, "\(text)")
            }
            #expect(object["text"]?["format"]?["type"] == .string("json_object"))
        }
    }

    @Test("streamed chat with n = 2 and guided_json: each choice's deltas join into valid JSON")
    func streamedParallel() async throws {
        try await ServerFixture.withServer { client, _ in
            let response = try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Describe a city as JSON."}], "max_tokens": 100,
                 "temperature": 1, "seed": 3, "n": 2, "stream": true, "guided_json": \(Self.schema)}
                """)
            #expect(response.status == .ok, "\(response.text)")
            let chunks = try response.chunks
            for index in 0..<2 {
                let mine = chunks.compactMap { $0["choices"]?[0] }.filter { $0["index"]?.int == index }
                Self.expectCity(mine.compactMap { $0["delta"]?["content"]?.string }.joined())
                #expect(mine.last?["finish_reason"] == .string("stop"))
            }
        }
    }

    @Test("completions with structured_outputs regex and guided_choice hold to them")
    func completionsRegexAndChoice() async throws {
        try await ServerFixture.withServer { client, _ in
            let regex = try await client.post("/v1/completions", #"""
                {"prompt": "The date today is", "max_tokens": 30, "temperature": 0,
                 "structured_outputs": {"regex": "[0-9]{4}-[0-9]{2}-[0-9]{2}"}}
                """#).json
            let date = try #require(regex["choices"]?[0]?["text"]?.string)
            #expect(date.range(of: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", options: .regularExpression) != nil, "\(date)")
            #expect(regex["choices"]?[0]?["finish_reason"] == .string("stop"))

            let choice = try await client.post("/v1/completions", #"""
                {"prompt": "Is the sky blue? Answer:", "max_tokens": 10, "temperature": 1, "seed": 5, "n": 3,
                 "guided_choice": ["yes", "no", "maybe"]}
                """#).json
            let texts = try #require(choice["choices"]?.array?.compactMap { $0["text"]?.string })
            #expect(texts.count == 3)
            #expect(texts.allSatisfy { ["yes", "no", "maybe"].contains($0) }, "\(texts)")
        }
    }

    @Test("json_object mode answers a JSON value")
    func jsonObject() async throws {
        try await ServerFixture.withServer { client, _ in
            let json = try await client.post("/v1/chat/completions", """
                {"messages": [{"role": "user", "content": "Reply in JSON with the name and age of a person."}], "max_tokens": 150,
                 "temperature": 0, "response_format": {"type": "json_object"}}
                """).json
            let text = try #require(json["choices"]?[0]?["message"]?["content"]?.string)
            #expect(json["choices"]?[0]?["finish_reason"] == .string("stop"), "\(text)")
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil, "\(text)")
        }
    }

    @Test("an unsupported schema keyword is a 400 naming it, a hostile schema a 400 from the limits, and the server goes on")
    func refusals() async throws {
        try await ServerFixture.withServer { client, _ in
            let unsupported = try await client.post("/v1/chat/completions", #"""
                {"messages": [{"role": "user", "content": "x"}],
                 "response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema":
                   {"type": "object", "properties": {"a": {"type": "array", "minItems": 1}}, "if": {"type": "object"}, "patternProperties": {"^x": {"type": "string"}}}}}}
                """#)
            #expect(unsupported.status == .badRequest)
            let error = try #require(try unsupported.json["error"])
            #expect(error["code"] == .string("unsupported_feature"))
            #expect(error["param"] == .string("response_format"))
            let message = error["message"]?.string ?? ""
            #expect(message.contains("patternProperties") && message.contains("if"), "\(message)")

            let hostile = try await client.post("/v1/completions", #"""
                {"prompt": "x", "structured_outputs": {"json": {"type": "string", "maxLength": 100000000}}}
                """#)
            #expect(hostile.status == .badRequest)
            #expect(try hostile.json["error"]?["param"] == .string("structured_outputs"))

            let badRegex = try await client.post("/v1/completions", #"{"prompt": "x", "guided_regex": "(a"}"#)
            #expect(badRegex.status == .badRequest)
            #expect(try badRegex.json["error"]?["param"] == .string("guided_regex"))
            try await client.expectServesGoodRequest()
        }
    }

    @Test("the compiler builds the vocabulary once and compiles a repeated schema once, keys in order mattering")
    func compilerCache() async throws {
        let engine = try ServerFixture.makeEngine()
        defer { engine.shutdown() }
        let compiler = GrammarCompiler(tokenizer: engine.tokenizer)
        let first = try await compiler.compile(StructuredOutputFields(spec: .jsonSchema(#"{"type":"integer"}"#), field: "f"))
        let again = try await compiler.compile(StructuredOutputFields(spec: .jsonSchema(#"{"type":"integer"}"#), field: "f"))
        #expect(compiler.numCached == 1)
        #expect(first.vocabulary === again.vocabulary)
        #expect(first.vocabulary.size == engine.tokenizer.vocabularySize)
        _ = try await compiler.compile(StructuredOutputFields(spec: .regex("[ab]+"), field: "f"))
        #expect(compiler.numCached == 2)
    }
}
}
