import SluiceTemplate

/// One message of a chat conversation, as a chat template sees it.
public struct ChatMessage: Sendable, Equatable {
    /// Who speaks: `system`, `user`, `assistant`, or another role the template knows.
    public var role: String
    /// The message's text; text parts of an array content are joined with newlines, as vLLM does.
    public var content: String
    /// The speaker's name, when the request gave one.
    public var name: String?
    /// An assistant message's `tool_calls` as JSON text (an array, each call's `arguments` as an object, as
    /// vLLM gives them to templates), when it made calls.
    public var toolCallsJSON: String?
    /// A `tool` message's `tool_call_id`: which call it answers.
    public var toolCallID: String?

    /// A message from `role`.
    public init(role: String, content: String, name: String? = nil, toolCallsJSON: String? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCallsJSON = toolCallsJSON
        self.toolCallID = toolCallID
    }
}

/// Turns a conversation into the prompt text a model was trained on: the seam where each model's
/// own (Jinja) chat template plugs in.
public protocol ChatTemplateRenderer: Sendable {
    /// The prompt text for `messages`; `addGenerationPrompt` opens the assistant's turn.
    ///
    /// A template may refuse a conversation (Jinja's `raise_exception`, for example "Conversation
    /// roles must alternate"): the error's description becomes the 400 response's message.
    func render(messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String

    /// The same, with extra template variables (vLLM's `chat_template_kwargs` and `documents`,
    /// such as `enable_thinking`), which a template reads as it likes.
    func render(messages: [ChatMessage], addGenerationPrompt: Bool, variables: [String: JinjaValue]) throws -> String

    /// The Jinja source a client may render with itself (`GET /tokenizer_info`), or nil for a
    /// hand-written format.
    var templateSource: String? { get }
}

extension ChatTemplateRenderer {
    /// A hand-written format has no variables to set: they are ignored, as a Jinja template
    /// ignores variables it never reads.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool, variables: [String: JinjaValue]) throws -> String {
        try render(messages: messages, addGenerationPrompt: addGenerationPrompt)
    }

    /// A hand-written format has no Jinja source.
    public var templateSource: String? { nil }
}

/// The ChatML format (`<|im_start|>role\n…<|im_end|>\n`) of SmolLM2, Qwen2 and many others,
/// written out by hand until the Jinja interpreter renders each model's own template.
///
/// It adds no default system message and ignores ``ChatMessage/name``, as plain ChatML does.
public struct ChatMLRenderer: ChatTemplateRenderer {
    /// A ChatML renderer.
    public init() {}

    /// Each message as a ChatML turn, then `<|im_start|>assistant\n` when asked.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var prompt = ""
        for message in messages {
            prompt += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n"
        }
        if addGenerationPrompt { prompt += "<|im_start|>assistant\n" }
        return prompt
    }
}
