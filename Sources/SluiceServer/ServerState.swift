import Foundation
import SluiceEngine
import SluiceTokenizer

/// What every handler shares: the engine, the chat template, the configuration and the metrics.
struct ServerState: Sendable {
    let engine: Engine
    let renderer: any ChatTemplateRenderer
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    /// When the server was built, in seconds since 1970, for `/v1/models`.
    let created: Int
    /// The most bytes of text one token stands for, control tokens' text included.
    let longestTokenBytes: Int
    /// Compiles structured-output constraints off the step thread, with the model's vocabulary and a cache.
    let grammars: GrammarCompiler

    init(engine: Engine, renderer: any ChatTemplateRenderer, configuration: ServerConfiguration) {
        self.engine = engine
        self.renderer = renderer
        self.configuration = configuration
        let metrics = ServerMetrics(modelName: configuration.servedModelName, stats: engine.stats)
        self.metrics = metrics
        // Weak: the engine may outlive this server (tests build several over one engine).
        engine.observeSteps { [weak metrics] step in metrics?.recordStep(step) }
        created = Self.now()
        let tokenizer = engine.tokenizer
        grammars = GrammarCompiler(tokenizer: tokenizer)
        longestTokenBytes = max(1, (0..<tokenizer.vocabularySize).reduce(0) {
            max($0, tokenizer.tokenBytes($1, skipSpecialTokens: false).count)
        })
    }

    var tokenizer: any Tokenizer { engine.tokenizer }

    /// Seconds since 1970, as OpenAI's `created`.
    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    /// Refuses a request for a model this server does not serve; no model means the served one.
    func checkModel(_ model: String?) throws(APIError) {
        guard let model, model != configuration.servedModelName else { return }
        throw .badRequest(
            "The model `\(model)` does not exist: this server serves `\(configuration.servedModelName)`.",
            param: "model", code: "model_not_found")
    }

    /// A prompt's token ids and text: text is tokenized with its control tokens parsed, token ids
    /// are decoded for echo. A text too long to fit the context in any tokenization is refused
    /// before it is tokenized.
    func prepare(_ prompt: PromptInput, addSpecialTokens: Bool) throws(APIError) -> PreparedPrompt {
        switch prompt {
        case .text(let text):
            try checkPromptSize(text, field: "prompt")
            return PreparedPrompt(
                tokenIDs: tokenizer.encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true), text: text)
        case .tokenIDs(let ids):
            return PreparedPrompt(tokenIDs: ids, text: tokenizer.decode(ids, skipSpecialTokens: false))
        }
    }

    /// A conversation rendered with the chat template and tokenized so that the messages' text
    /// never becomes control tokens (unless `allowSpecialTokensInContent`): `<|im_end|>` typed
    /// by a user stays the characters `<|im_end|>`, while the template's own markup keeps them.
    func prepareChat(
        _ messages: [ChatMessage], addGenerationPrompt: Bool, addSpecialTokens: Bool, toolsJSON: String? = nil
    ) throws(APIError) -> PreparedPrompt {
        try checkMessageCount(messages.count)
        if configuration.allowSpecialTokensInContent {
            let text = try render(messages, addGenerationPrompt: addGenerationPrompt, toolsJSON: toolsJSON)
            try checkPromptSize(text, field: "messages")
            return PreparedPrompt(tokenIDs: tokenizer.encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true),
                                  text: text)
        }
        let rendered = try renderWithContentSpans(messages, addGenerationPrompt: addGenerationPrompt, toolsJSON: toolsJSON)
        try checkPromptSize(rendered.text, field: "messages")
        return PreparedPrompt(
            tokenIDs: tokenizer.encode(rendered.text, addSpecialTokens: addSpecialTokens, literalRanges: rendered.contentRanges),
            text: rendered.text)
    }

    /// Refuses a batch of more prompts than the server takes in one request.
    func checkPromptCount(_ count: Int) throws(APIError) {
        guard count > configuration.maxPromptsPerRequest else { return }
        throw .badRequest(
            "The request has \(count) prompts; this server takes at most \(configuration.maxPromptsPerRequest) in one "
                + "request. Split the batch into several requests.", param: "prompt", code: "too_many_prompts")
    }

    /// Refuses a conversation of more messages than the server takes.
    func checkMessageCount(_ count: Int) throws(APIError) {
        guard count > configuration.maxMessagesPerChat else { return }
        throw .badRequest(
            "The conversation has \(count) messages; this server takes at most \(configuration.maxMessagesPerChat).",
            param: "messages", code: "too_many_messages")
    }

    /// Refuses a prompt text that cannot fit the context however it is tokenized: every token
    /// covers at most `longestTokenBytes` bytes, so a longer text has more tokens than the
    /// context holds. This keeps a 30 MiB prompt from being tokenized only to be refused.
    func checkPromptSize(_ text: String, field: String) throws(APIError) {
        let maxModelLength = engine.config.maxModelLength
        guard text.utf8.count > maxModelLength * longestTokenBytes else { return }
        throw .badRequest(
            "This model's maximum context length is \(maxModelLength) tokens; your \(field) of \(text.utf8.count) bytes "
                + "has more tokens than that. Please reduce the length of the \(field).",
            param: field, code: "context_length_exceeded")
    }

    /// Renders a conversation with the chat template; a template's refusal is the client's 400.
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, toolsJSON: String? = nil) throws(APIError) -> String {
        do {
            return try renderer.render(messages: messages, addGenerationPrompt: addGenerationPrompt, toolsJSON: toolsJSON)
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("The chat template refused the conversation: \(error)", param: "messages")
        }
    }

    /// Renders a conversation with the spans of the messages' text; a template's refusal is the client's 400.
    func renderWithContentSpans(
        _ messages: [ChatMessage], addGenerationPrompt: Bool, toolsJSON: String? = nil
    ) throws(APIError) -> RenderedChat {
        do {
            return try renderer.renderWithContentSpans(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                                       toolsJSON: toolsJSON)
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("The chat template refused the conversation: \(error)", param: "messages")
        }
    }
}

/// A prompt ready for the engine.
struct PreparedPrompt: Sendable, Equatable {
    let tokenIDs: [Int]
    /// The prompt's text, for echo.
    let text: String
}
