import Foundation
import Hummingbird
import SluiceEngine
import SluiceTokenizer

/// `POST /v1/embeddings` in OpenAI's shape over the `EmbeddingEngine`: texts through the model's
/// tokenizer (where Sluice has one for its vocabulary), token ids as they are; vLLM's
/// `truncate_prompt_tokens`; Matryoshka `dimensions`; float or base64 vectors.
struct EmbeddingsHandler: Sendable {
    let state: EmbeddingServerState
    /// The most inputs one request may carry, as OpenAI's API allows.
    static let maxInputs = 2048

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let arrival = ContinuousClock.now
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let embedding = try JSONBody.decode(EmbeddingRequest.self, from: body)
        try state.checkModel(embedding.model)
        let engine = state.engine
        if let dimensions = embedding.dimensions, dimensions < 1 || dimensions > engine.dimensions {
            throw APIError.badRequest("dimensions must be between 1 and the model's \(engine.dimensions), not \(dimensions).",
                                      param: "dimensions")
        }
        let count = switch embedding.input {
        case .texts(let texts): texts.count
        case .tokenIDs(let lists): lists.count
        }
        guard count <= Self.maxInputs else {
            throw APIError.badRequest("input has \(count) items; at most \(Self.maxInputs) per request (OpenAI's limit).",
                                      param: "input")
        }
        var inputs = try tokenize(embedding)
        if let limit = embedding.truncatePromptTokens {
            // As vLLM: keep the last tokens.
            let keep = limit == -1 ? engine.configuration.contextLength : min(limit, engine.configuration.contextLength)
            inputs = inputs.map { $0.count > keep ? Array($0.suffix(keep)) : $0 }
        }
        do { try engine.validate(inputs) } catch { throw APIError.badRequest(error.description, param: "input") }
        // The door's refusals are answered here; a backend failing on a pass goes on to ErrorMiddleware, a 500
        // whose cause is logged.
        let vectors: [[Float]]
        do {
            vectors = try await engine.embed(inputs)
        } catch EmbeddingError.shutDown {
            throw APIError(status: .serviceUnavailable, message: "The server is shutting down and takes no new requests.",
                           type: "server_error", code: "shutting_down")
        }
        let data = vectors.enumerated().map { index, vector in
            let values = embedding.dimensions.map { Self.truncated(vector, to: $0) } ?? vector
            let encoded: EmbeddingResponse.Embedding.Vector = switch embedding.encodingFormat {
            case .float: .float(values)
            case .base64: .base64(Self.base64(values))
            }
            return EmbeddingResponse.Embedding(index: index, vector: encoded)
        }
        let promptTokens = inputs.reduce(0) { $0 + $1.count }
        let response = try JSONBody.response(EmbeddingResponse(data: data, model: state.configuration.servedModelName,
                                                               promptTokens: promptTokens))
        let elapsed = ContinuousClock.now - arrival
        state.metrics.recordSuccess(
            promptTokens: promptTokens,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        return response
    }

    /// Each input's token ids: text through the tokenizer (special tokens as asked), ids as sent.
    private func tokenize(_ request: EmbeddingRequest) throws(APIError) -> [[Int]] {
        switch request.input {
        case .tokenIDs(let lists): return lists
        case .texts(let texts):
            guard let tokenizer = state.tokenizer else {
                throw .badRequest("""
                    This model's tokenizer (\(state.tokenizerName)) is not supported yet, so text input cannot be embedded; \
                    send token ids instead (input as a list of ids, or a list of such lists).
                    """, param: "input", code: "unsupported_feature")
            }
            return texts.map { tokenizer.encode($0, addSpecialTokens: request.addSpecialTokens, parseSpecial: false) }
        }
    }

    /// The first `dimensions` values scaled back to unit length (Matryoshka representation learning:
    /// nomic v1.5's leading dimensions are trained to stand on their own).
    static func truncated(_ vector: [Float], to dimensions: Int) -> [Float] {
        let head = Array(vector.prefix(dimensions))
        let norm = head.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return norm > 0 ? head.map { Float(Double($0) / norm) } : head
    }

    /// Little-endian float32 bytes, base64 (OpenAI's `encoding_format: "base64"`).
    static func base64(_ values: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
