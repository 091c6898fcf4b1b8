import Foundation
@testable import SluiceBench
import Testing

@Suite("Request bodies")
struct RequestBodyTests {
    @Test("request bodies carry greedy sampling, usage, max_tokens and ignore_eos only when asked")
    func requestBodies() throws {
        let prompt = BenchPrompt(systemPrompt: "shared", prompt: "question", promptTokens: 3, outputTokens: 7)
        func json(_ endpoint: Endpoint, ignoreEOS: Bool) throws -> [String: Any] {
            let body = RequestBody(endpoint: endpoint, model: "m", prompt: prompt, ignoreEOS: ignoreEOS).encoded()
            return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        }
        let completion = try json(.completions, ignoreEOS: true)
        #expect(completion["prompt"] as? String == "shared\n\nquestion")
        #expect(completion["max_tokens"] as? Int == 7)
        #expect(completion["temperature"] as? Int == 0)
        #expect(completion["stream"] as? Bool == true)
        #expect((completion["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(completion["ignore_eos"] as? Bool == true)
        #expect(completion["messages"] == nil)
        let chat = try json(.chat, ignoreEOS: false)
        let messages = try #require(chat["messages"] as? [[String: String]])
        #expect(messages == [["role": "system", "content": "shared"], ["role": "user", "content": "question"]])
        #expect(chat["ignore_eos"] == nil)
        #expect(chat["prompt"] == nil)
    }

    @Test("a JSON schema constrains chat through response_format and completions through structured_outputs")
    func jsonSchema() throws {
        let prompt = BenchPrompt(systemPrompt: nil, prompt: "question", promptTokens: 1, outputTokens: 5)
        let schema = #"{"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}"#
        func json(_ endpoint: Endpoint, schema: String?) throws -> [String: Any] {
            let body = RequestBody(endpoint: endpoint, model: "m", prompt: prompt, ignoreEOS: false).encoded(jsonSchema: schema)
            return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        }
        let chat = try json(.chat, schema: schema)
        let format = try #require(chat["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        let inner = try #require(format["json_schema"] as? [String: Any])
        #expect(inner["name"] as? String == "bench")
        #expect((inner["schema"] as? [String: Any])?["required"] as? [String] == ["name"])
        #expect(chat["max_tokens"] as? Int == 5 && chat["structured_outputs"] == nil)
        let completion = try json(.completions, schema: schema)
        let outputs = try #require(completion["structured_outputs"] as? [String: Any])
        #expect((outputs["json"] as? [String: Any])?["type"] as? String == "object")
        #expect(completion["response_format"] == nil)
        #expect(try json(.chat, schema: nil)["response_format"] == nil)
    }
}
