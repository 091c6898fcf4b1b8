import Foundation
import SluiceEngine
import SluiceTemplate
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
    /// The format chat answers' tool calls are read in: `--tool-call-parser`, or the chat template's own.
    let toolCallParser: ToolCallParserKind

    init(engine: Engine, renderer: any ChatTemplateRenderer, configuration: ServerConfiguration) {
        self.engine = engine
        self.renderer = renderer
        self.configuration = configuration
        toolCallParser = configuration.toolCallParser(forTemplate: renderer.templateSource)
        let metrics = ServerMetrics(
            modelName: configuration.servedModelName, stats: engine.stats, config: engine.config,
            kvCacheDType: configuration.engineDescription.kvCacheDType, prefix: configuration.metricsPrefix)
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
    ///
    /// `continueFinalMessage` leaves the last message open, as vLLM does: the prompt is rendered
    /// without a generation prompt and cut right after the last message's text, so the model
    /// goes on with that text rather than starting a turn.
    func prepareChat(_ messages: [ChatMessage], addGenerationPrompt: Bool, continueFinalMessage: Bool = false,
                     variables: [String: JinjaValue] = [:], addSpecialTokens: Bool) throws(APIError) -> PreparedPrompt {
        try checkMessageCount(messages.count)
        if continueFinalMessage, addGenerationPrompt {
            throw .badRequest("continue_final_message and add_generation_prompt cannot both be true: the first leaves "
                              + "the last message open, the second opens a new turn after it.",
                              param: "continue_final_message")
        }
        let finalText = messages.last?.content ?? ""
        if continueFinalMessage, finalText.isEmpty {
            throw .badRequest("continue_final_message needs a last message with text to continue.",
                              param: "continue_final_message")
        }
        if configuration.allowSpecialTokensInContent {
            var text = try render(messages, addGenerationPrompt: addGenerationPrompt, variables: variables)
            if continueFinalMessage {
                guard let found = text.range(of: finalText, options: .backwards) else { throw Self.finalMessageNotFound }
                text = String(text[..<found.upperBound])
            }
            try checkPromptSize(text, field: "messages")
            return PreparedPrompt(tokenIDs: tokenizer.encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true),
                                  text: text)
        }
        var rendered = try renderWithContentSpans(messages, addGenerationPrompt: addGenerationPrompt, variables: variables)
        if continueFinalMessage {
            let utf8 = Array(rendered.text.utf8)
            let finalBytes = Array(finalText.utf8)
            guard let last = rendered.contentRanges.last(where: { utf8[$0].elementsEqual(finalBytes) })
            else { throw Self.finalMessageNotFound }
            rendered.text = String(decoding: utf8[..<last.upperBound], as: UTF8.self)
            rendered.contentRanges.removeAll { $0.upperBound > last.upperBound }
        }
        try checkPromptSize(rendered.text, field: "messages")
        return PreparedPrompt(
            tokenIDs: tokenizer.encode(rendered.text, addSpecialTokens: addSpecialTokens, literalRanges: rendered.contentRanges),
            text: rendered.text)
    }

    /// The template dropped or changed the message `continue_final_message` should continue.
    private static let finalMessageNotFound = APIError.badRequest(
        "continue_final_message: the chat template does not write the last message's text as given, so it cannot "
            + "be continued.", param: "continue_final_message")

    /// Refuses a batch of more prompts than the server takes in one request.
    /// The reasoning parser for one chat request under `--reasoning-parser`: the rendered prompt may leave a
    /// thought open, and `chat_template_kwargs.enable_thinking: false` turns Qwen3's thinking off.
    func reasoningParser(promptText: String, variables: [String: JinjaValue]) -> ReasoningParser? {
        guard let kind = configuration.reasoningParser else { return nil }
        return ReasoningParser(kind: kind, promptText: promptText, thinkingEnabled: variables["enable_thinking"] != .bool(false))
    }

    /// Makes `params`' grammar, if it has one, wait for the thought `reasoning` says the output starts in,
    /// unless the server lets structured outputs constrain the thought too.
    func constrainAfterThought(_ params: inout SamplingParams, reasoning: ReasoningParser?) {
        guard params.structuredOutput != nil, !configuration.structuredOutputsInReasoning, let reasoning else { return }
        params.reasoningEnd = reasoning.reasoningEnd(tokenizer: tokenizer)
    }

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
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool,
                variables: [String: JinjaValue] = [:]) throws(APIError) -> String {
        do {
            return try renderer.render(messages: forTemplate(messages), addGenerationPrompt: addGenerationPrompt,
                                       variables: variables)
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("The chat template refused the conversation: \(error)", param: "messages")
        }
    }

    /// The messages as the chat template takes them: with the Mistral format, tool-call ids cut to their
    /// last nine characters, since Mistral's templates refuse longer ones (vLLM's `truncate_tool_call_ids`);
    /// a client that got its ids from another server, or from our other APIs, still round-trips.
    private func forTemplate(_ messages: [ChatMessage]) -> [ChatMessage] {
        guard toolCallParser == .mistral else { return messages }
        return messages.map { $0.truncatingToolCallIDs(to: ToolFields.mistralCallIDLength) }
    }

    /// Renders a conversation with the spans of the messages' text; a template's refusal is the client's 400.
    func renderWithContentSpans(_ messages: [ChatMessage], addGenerationPrompt: Bool,
                                variables: [String: JinjaValue] = [:]) throws(APIError) -> RenderedChat {
        do {
            return try renderer.renderWithContentSpans(messages: forTemplate(messages), addGenerationPrompt: addGenerationPrompt,
                                                       variables: variables)
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
