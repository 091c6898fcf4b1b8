import Foundation
import SluiceEngine
import SluiceTokenizer

/// What the handlers of an embedding model's server share: the embedding engine, the model's tokenizer
/// (nil where Sluice has none for its vocabulary yet: then only token-id input works), the configuration.
struct EmbeddingServerState: Sendable {
    let engine: EmbeddingEngine
    let tokenizer: (any Tokenizer)?
    /// The vocabulary's kind as GGUF names it (`tokenizer.ggml.model`), for the message when `tokenizer` is nil.
    let tokenizerName: String
    let configuration: ServerConfiguration
    /// When the server started, in seconds since 1970 (`/v1/models`).
    let created = Int(Date().timeIntervalSince1970)
    /// `/metrics`, under the configuration's prefix.
    let metrics: EmbeddingServerMetrics

    init(engine: EmbeddingEngine, tokenizer: (any Tokenizer)?, tokenizerName: String, configuration: ServerConfiguration) {
        self.engine = engine
        self.tokenizer = tokenizer
        self.tokenizerName = tokenizerName
        self.configuration = configuration
        metrics = EmbeddingServerMetrics(modelName: configuration.servedModelName, prefix: configuration.metricsPrefix)
    }

    func checkModel(_ model: String?) throws(APIError) {
        guard let model, model != configuration.servedModelName else { return }
        throw .badRequest(
            "The model `\(model)` does not exist: this server serves `\(configuration.servedModelName)`.",
            param: "model", code: "model_not_found")
    }
}
