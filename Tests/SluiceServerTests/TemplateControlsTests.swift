import Hummingbird
import HummingbirdTesting
import Testing
@testable import SluiceServer

extension ServerModelTests {
@Suite("Template controls: chat_template_kwargs, documents, continue_final_message")
struct TemplateControlsTests {
    /// ChatML with a Qwen3-style `enable_thinking` switch and a documents section.
    static let template = """
        {%- if documents %}<|im_start|>system\nDocuments:{% for d in documents %} [{{ d.title }}]{% endfor %}<|im_end|>\n{% endif -%}
        {%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor -%}
        {%- if add_generation_prompt %}<|im_start|>assistant\n{% if enable_thinking is defined and not enable_thinking %}<think>\n\n</think>\n\n{% endif %}{% endif -%}
        """
    static let question = #"[{"role": "user", "content": "What is the capital of France?"}]"#
    static let turn = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"

    static func renderer() throws -> JinjaChatRenderer {
        try JinjaChatRenderer(source: template, bosToken: "", eosToken: "<|im_end|>")
    }

    @Test("chat_template_kwargs reach the template: enable_thinking false writes the empty think block")
    func kwargs() async throws {
        try await ServerFixture.withServer(renderer: try Self.renderer()) { client, _ in
            let expected = try await client.tokenize(Self.turn + "<|im_start|>assistant\n<think>\n\n</think>\n\n", addSpecialTokens: false)
            let plain = try await client.tokenize(Self.turn + "<|im_start|>assistant\n", addSpecialTokens: false)
            let body = #"{"messages": \#(Self.question), "chat_template_kwargs": {"enable_thinking": false}"#
            let tokenized = try await client.post("/tokenize", body + "}").json
            #expect(tokenized["tokens"]?.ints == expected)
            let chat = try await client.post("/v1/chat/completions", body + #", "max_tokens": 1}"#)
            #expect(chat.status == .ok, "\(chat.text)")
            #expect(try chat.json["usage"]?["prompt_tokens"]?.int == expected.count)
            let without = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.question), "max_tokens": 1}"#).json
            #expect(without["usage"]?["prompt_tokens"]?.int == plain.count)
        }
    }

    @Test("documents are passed to the template as objects")
    func documents() async throws {
        try await ServerFixture.withServer(renderer: try Self.renderer()) { client, _ in
            let text = "<|im_start|>system\nDocuments: [Paris] [Lyon]<|im_end|>\n" + Self.turn + "<|im_start|>assistant\n"
            let expected = try await client.tokenize(text, addSpecialTokens: false)
            let tokenized = try await client.post("/tokenize", #"{"messages": \#(Self.question), "documents": [{"title": "Paris", "text": "x"}, {"title": "Lyon", "text": "y"}]}"#).json
            #expect(tokenized["tokens"]?.ints == expected)
        }
    }

    @Test("continue_final_message leaves the last assistant message open and the model continues it")
    func continueFinalMessage() async throws {
        try await ServerFixture.withServer { client, _ in
            let open = Self.turn + "<|im_start|>assistant\nThe capital of France is"
            let expected = try await client.tokenize(open, addSpecialTokens: false)
            let messages = #"[{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "The capital of France is"}]"#
            let body = #"{"messages": \#(messages), "continue_final_message": true, "add_generation_prompt": false, "max_tokens": 3, "temperature": 0"#
            let json = try await client.post("/v1/chat/completions", body + "}").json
            #expect(json["usage"]?["prompt_tokens"]?.int == expected.count)
            let continued = try await client.greedyText(open, maxTokens: 3, extra: #", "add_special_tokens": false, "ignore_eos": false"#)
            #expect(json["choices"]?[0]?["message"]?["content"]?.string == continued)
            let tokenized = try await client.post("/tokenize", #"{"messages": \#(messages), "continue_final_message": true, "add_generation_prompt": false}"#).json
            #expect(tokenized["tokens"]?.ints == expected)
        }
    }

    @Test("bad template controls are refused with a 400 naming the field", arguments: [
        (#""continue_final_message": true"#, "continue_final_message"),
        (#""continue_final_message": true, "add_generation_prompt": false, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]"#, "continue_final_message"),
        (#""chat_template_kwargs": {"add_generation_prompt": false}"#, "chat_template_kwargs"),
        (#""chat_template_kwargs": ["enable_thinking"]"#, "chat_template_kwargs"),
        (#""documents": "a document""#, "documents"),
    ])
    func refusals(fields: String, param: String) async throws {
        try await ServerFixture.withServer { client, _ in
            let body = fields.contains(#""messages""#) ? "{\(fields)}" : #"{"messages": \#(Self.question), \#(fields)}"#
            let response = try await client.post("/v1/chat/completions", body)
            #expect(response.status == .badRequest)
            #expect(try response.json["error"]?["param"] == .string(param), "\(response.text)")
        }
    }
}
}
