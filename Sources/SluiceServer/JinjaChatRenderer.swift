import SluiceModel
import SluiceTemplate
import SluiceTokenizer

/// Renders conversations with a model's own Jinja chat template (GGUF `tokenizer.chat_template`,
/// or `--chat-template FILE`), through `SluiceTemplate`, as vLLM does with Hugging Face's
/// `apply_chat_template`.
public struct JinjaChatRenderer: ChatTemplateRenderer {
    /// The parsed template with the model's BOS and EOS text.
    public let template: ChatTemplate
    /// The template's text, as `GET /tokenizer_info` hands it out.
    public let templateSource: String?

    /// Parses `source`; a syntax error names its line and column.
    public init(source: String, bosToken: String, eosToken: String) throws {
        template = try ChatTemplate(source: source, bosToken: bosToken, eosToken: eosToken)
        templateSource = source
    }

    /// Each message as an object with `role`, `content` (and `name`, `tool_calls`, `tool_call_id` when given).
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try render(messages: messages, addGenerationPrompt: addGenerationPrompt, variables: [:])
    }

    /// The same, with `variables` added to the template's context (the request's `tools` among them).
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, variables: [String: JinjaValue]) throws -> String {
        let values: [JinjaValue] = try messages.map { message in
            var object: JinjaObject = ["role": .string(message.role), "content": .string(message.content)]
            if let name = message.name { object["name"] = .string(name) }
            if let calls = message.toolCallsJSON { object["tool_calls"] = try JinjaValue(parsingJSON: calls) }
            if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
            return .object(object)
        }
        return try template.render(messages: values, addGenerationPrompt: addGenerationPrompt, extraContext: variables)
    }

    /// The renderer for a model: `overrideSource` when given, else the GGUF's own template, else
    /// ChatML for a model that has none.
    public static func forModel(
        file: GGUFFile, tokenizer: any Tokenizer, overrideSource: String? = nil
    ) throws -> any ChatTemplateRenderer {
        guard let source = overrideSource ?? file.string("tokenizer.chat_template") else { return ChatMLRenderer() }
        func text(_ id: Int?) -> String {
            id.map { tokenizer.decode([$0], skipSpecialTokens: false) } ?? ""
        }
        return try JinjaChatRenderer(source: source, bosToken: text(tokenizer.bosTokenID), eosToken: text(tokenizer.eosTokenID))
    }
}
