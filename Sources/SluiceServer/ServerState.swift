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

    init(engine: Engine, renderer: any ChatTemplateRenderer, configuration: ServerConfiguration) {
        self.engine = engine
        self.renderer = renderer
        self.configuration = configuration
        let metrics = ServerMetrics(modelName: configuration.servedModelName, stats: engine.stats)
        self.metrics = metrics
        // Weak: the engine may outlive this server (tests build several over one engine).
        engine.observeSteps { [weak metrics] step in metrics?.recordStep(step) }
        created = Self.now()
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
    /// are decoded for echo.
    func prepare(_ prompt: PromptInput, addSpecialTokens: Bool) -> PreparedPrompt {
        switch prompt {
        case .text(let text):
            return PreparedPrompt(
                tokenIDs: tokenizer.encode(text, addSpecialTokens: addSpecialTokens, parseSpecial: true), text: text)
        case .tokenIDs(let ids):
            return PreparedPrompt(tokenIDs: ids, text: tokenizer.decode(ids, skipSpecialTokens: false))
        }
    }

    /// Renders a conversation with the chat template; a template's refusal is the client's 400.
    func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(APIError) -> String {
        do {
            return try renderer.render(messages: messages, addGenerationPrompt: addGenerationPrompt)
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
