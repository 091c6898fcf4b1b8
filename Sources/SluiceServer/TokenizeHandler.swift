import Hummingbird

/// `POST /tokenize`, `POST /detokenize` and `GET /tokenizer_info`, in vLLM's shapes, for clients that
/// count tokens or build token-id prompts themselves (lm-evaluation-harness's remote tokenizer uses all three).
struct TokenizeHandler: Sendable {
    let state: ServerState

    func tokenize(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let tokenize = try JSONBody.decode(TokenizeRequest.self, from: body)
        try state.checkModel(tokenize.model)
        let tokens: [Int]
        switch tokenize.input {
        case .prompt(let prompt):
            tokens = try state.prepare(.text(prompt), addSpecialTokens: tokenize.addSpecialTokens).tokenIDs
        case .messages(let messages):
            // As the chat endpoint tokenizes them: the messages' text never as control tokens.
            tokens = try state.prepareChat(
                messages, addGenerationPrompt: tokenize.addGenerationPrompt,
                continueFinalMessage: tokenize.template.continueFinalMessage, variables: tokenize.template.variables,
                addSpecialTokens: tokenize.addSpecialTokens).tokenIDs
        }
        return try JSONBody.response(TokenizeResponse(
            count: tokens.count, maxModelLength: state.engine.config.maxModelLength, tokens: tokens))
    }

    func detokenize(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: state.configuration.maxBodySize)
        let detokenize = try JSONBody.decode(DetokenizeRequest.self, from: body)
        try state.checkModel(detokenize.model)
        let vocabularySize = state.tokenizer.vocabularySize
        if let bad = detokenize.tokens.first(where: { $0 < 0 || $0 >= vocabularySize }) {
            throw APIError.badRequest(
                "tokens has id \(bad), which is not in the model's vocabulary of \(vocabularySize) tokens "
                    + "(valid ids are 0 to \(vocabularySize - 1)).", param: "tokens")
        }
        let prompt = state.tokenizer.decode(detokenize.tokens, skipSpecialTokens: false)
        return try JSONBody.response(DetokenizeResponse(prompt: prompt))
    }

    func tokenizerInfo(_ request: Request, context: some RequestContext) async throws -> Response {
        try JSONBody.response(TokenizerInfoResponse(
            tokenizer: state.tokenizer, maxModelLength: state.engine.config.maxModelLength,
            chatTemplate: state.renderer.templateSource))
    }
}
