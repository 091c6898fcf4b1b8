/// One request's prompt and its wanted output length, ready to send.
public struct BenchPrompt: Sendable, Equatable {
    /// A system prompt shared by many requests (the prefix dataset), or nil.
    public var systemPrompt: String?
    /// The user's text.
    public var prompt: String
    /// Prompt tokens without BOS or a chat template: the system prompt's plus the user text's.
    public var promptTokens: Int
    /// The `max_tokens` to ask for.
    public var outputTokens: Int

    public init(systemPrompt: String? = nil, prompt: String, promptTokens: Int, outputTokens: Int) {
        self.systemPrompt = systemPrompt
        self.prompt = prompt
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
    }

    /// The text a completions request sends: the system prompt, a blank line, then the user text.
    public var completionText: String {
        guard let systemPrompt else { return prompt }
        return systemPrompt + "\n\n" + prompt
    }
}
