import SluiceEngine
import SluiceTokenizer

/// Log-probabilities in the legacy completions shape:
/// `{tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}`.
///
/// As OpenAI documents and vLLM does, each `top_logprobs` entry holds the `logprobs` likeliest
/// tokens plus the sampled one, so it may have one entry more than asked.
struct CompletionLogprobs: Encodable, Equatable, Sendable {
    var tokens: [String] = []
    var tokenLogprobs: [Float?] = []
    var topLogprobs: [[String: Float]?] = []
    /// Where each token's text starts, in characters of the choice's text (vLLM counts Unicode
    /// scalars, as Python's `len` does).
    var textOffset: [Int] = []

    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
        case topLogprobs = "top_logprobs"
        case textOffset = "text_offset"
    }

    /// Adds a prompt's tokens for `echo`: the first with no log-probability (nothing predicts it),
    /// then each later one with its log-probability and alternatives (`promptLogprobs`, entry k
    /// for prompt token k + 1).
    mutating func appendPrompt(_ promptTokenIDs: [Int], logprobs promptLogprobs: [SampledToken], tokenizer: any Tokenizer,
                               offset: inout Int, asTokenIDs: Bool = false) {
        guard let first = promptTokenIDs.first else { return }
        let text = TokenText.of(first, tokenizer: tokenizer, asTokenID: asTokenIDs)
        tokens.append(text)
        tokenLogprobs.append(nil)
        topLogprobs.append(nil)
        textOffset.append(offset)
        offset += text.unicodeScalars.count
        append(promptLogprobs, tokenizer: tokenizer, offset: &offset, asTokenIDs: asTokenIDs)
    }

    /// Adds `sampled`; `offset` is where the first one's text starts, and moves past the last.
    mutating func append(_ sampled: [SampledToken], tokenizer: any Tokenizer, offset: inout Int, asTokenIDs: Bool = false) {
        for token in sampled {
            let text = TokenText.of(token.tokenID, tokenizer: tokenizer, asTokenID: asTokenIDs)
            tokens.append(text)
            tokenLogprobs.append(token.logprob.map(TokenText.finite))
            var top: [String: Float] = [:]
            for alternative in token.topLogprobs {
                top[TokenText.of(alternative.tokenID, tokenizer: tokenizer, asTokenID: asTokenIDs)] =
                    TokenText.finite(alternative.logprob)
            }
            if let logprob = token.logprob { top[text] = TokenText.finite(logprob) }
            topLogprobs.append(top)
            textOffset.append(offset)
            offset += text.unicodeScalars.count
        }
    }
}

/// vLLM's `prompt_logprobs`: per prompt token, null for the first (nothing predicts it), then a map
/// from token id (as a string) to `{logprob, rank, decoded_token}` holding the prompt token and the
/// likeliest alternatives asked for. The one writer of this shape: `/v1/completions` puts it on each
/// choice, `/v1/chat/completions` on the response, as vLLM does.
struct PromptLogprobs: Encodable, Equatable, Sendable {
    struct Entry: Encodable, Equatable, Sendable {
        var logprob: Float
        var rank: Int?
        var decodedToken: String

        enum CodingKeys: String, CodingKey {
            case logprob, rank
            case decodedToken = "decoded_token"
        }
    }

    var positions: [[String: Entry]?] = []

    /// The positions of a prompt from the engine's `logprobs` (entry k for prompt token k + 1), each
    /// with at most `numAlternatives` alternatives: the engine computed as many as the request's
    /// largest count (`echo` with `logprobs` may have asked for more).
    init(promptTokenIDs: [Int], logprobs: [SampledToken], numAlternatives: Int, tokenizer: any Tokenizer,
         asTokenIDs: Bool = false) {
        guard !promptTokenIDs.isEmpty else { return }
        positions.append(nil)
        for token in logprobs {
            var entries: [String: Entry] = [:]
            for (index, alternative) in token.topLogprobs.prefix(numAlternatives).enumerated() {
                entries[String(alternative.tokenID)] = Entry(
                    logprob: TokenText.finite(alternative.logprob), rank: index + 1,
                    decodedToken: TokenText.of(alternative.tokenID, tokenizer: tokenizer, asTokenID: asTokenIDs))
            }
            entries[String(token.tokenID)] = Entry(
                logprob: TokenText.finite(token.logprob ?? -.infinity), rank: token.rank,
                decodedToken: TokenText.of(token.tokenID, tokenizer: tokenizer, asTokenID: asTokenIDs))
            positions.append(entries)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(positions)
    }
}

/// Log-probabilities in the chat shape:
/// `{content: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}`.
struct ChatLogprobs: Encodable, Equatable, Sendable {
    var content: [Entry] = []

    /// One generated token and its alternatives.
    struct Entry: Encodable, Equatable, Sendable {
        var token: String
        var logprob: Float
        var bytes: [UInt8]
        var topLogprobs: [Alternative]

        enum CodingKeys: String, CodingKey {
            case token, logprob, bytes
            case topLogprobs = "top_logprobs"
        }
    }

    /// One of the likeliest tokens at a position.
    struct Alternative: Encodable, Equatable, Sendable {
        var token: String
        var logprob: Float
        var bytes: [UInt8]
    }

    /// Adds `sampled`; with `asTokenIDs` each token is named `"token_id:N"` and its bytes are
    /// that name's, as vLLM writes them.
    mutating func append(_ sampled: [SampledToken], tokenizer: any Tokenizer, asTokenIDs: Bool = false) {
        func bytesOf(_ tokenID: Int) -> [UInt8] {
            asTokenIDs ? Array(TokenText.idName(tokenID).utf8) : tokenizer.tokenBytes(tokenID, skipSpecialTokens: false)
        }
        for token in sampled {
            let bytes = bytesOf(token.tokenID)
            content.append(Entry(
                token: String(decoding: bytes, as: UTF8.self),
                logprob: TokenText.finite(token.logprob ?? -.infinity),
                bytes: bytes,
                topLogprobs: token.topLogprobs.map { alternative in
                    let bytes = bytesOf(alternative.tokenID)
                    return Alternative(token: String(decoding: bytes, as: UTF8.self),
                                       logprob: TokenText.finite(alternative.logprob), bytes: bytes)
                }))
        }
    }
}

/// How tokens and log-probabilities are written in responses.
enum TokenText {
    /// A token's own text, control tokens included; bytes that end inside a UTF-8 sequence show
    /// as U+FFFD, as in vLLM's per-token decoding.
    static func of(_ tokenID: Int, tokenizer: any Tokenizer, asTokenID: Bool = false) -> String {
        if asTokenID { return idName(tokenID) }
        return String(decoding: tokenizer.tokenBytes(tokenID, skipSpecialTokens: false), as: UTF8.self)
    }

    /// vLLM's name for a token under `return_tokens_as_token_ids`: `"token_id:N"`.
    static func idName(_ tokenID: Int) -> String { "token_id:\(tokenID)" }

    /// JSON has no -inf: an impossible token gets vLLM's floor of -9999.
    static func finite(_ logprob: Float) -> Float {
        logprob.isNaN ? -9999 : max(logprob, -9999)
    }
}
