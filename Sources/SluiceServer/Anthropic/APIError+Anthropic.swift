import Hummingbird

extension APIError {
    /// Anthropic's error class for this error's status, as its API documents them.
    var anthropicType: String {
        switch status.code {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 503, 529: return "overloaded_error"
        case 500...: return "api_error"
        default: return "invalid_request_error"
        }
    }

    /// The error as Anthropic's clients expect it: `{"type": "error", "error": {"type", "message"}}`.
    func anthropicResponse() -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: anthropicBody()))
    }

    /// Anthropic's error body as bytes.
    func anthropicBody() -> ByteBuffer {
        // Encoding two strings cannot fail; the fallback only keeps this total.
        (try? JSONBody.encode(AnthropicBody(error: self))) ?? ByteBuffer(string: #"{"type":"error","error":{}}"#)
    }

    private struct AnthropicBody: Encodable {
        let error: APIError

        enum CodingKeys: String, CodingKey { case type, error, message }

        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: CodingKeys.self)
            try outer.encode("error", forKey: .type)
            var inner = outer.nestedContainer(keyedBy: CodingKeys.self, forKey: .error)
            try inner.encode(error.anthropicType, forKey: .type)
            try inner.encode(error.message, forKey: .message)
        }
    }
}
