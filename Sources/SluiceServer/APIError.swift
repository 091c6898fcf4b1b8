import Hummingbird

/// An error the API answers with, in OpenAI's shape
/// `{"error": {"message", "type", "param", "code"}}` and with its HTTP status.
///
/// Every refusal the server makes is one of these, so a client always gets JSON it can parse and
/// a message it can act on; the handlers build them from engine errors in `APIError+Engine.swift`
/// and from JSON decoding errors in `APIError+Decoding.swift`.
struct APIError: Error, Equatable, HTTPResponseError {
    /// The HTTP status of the response.
    var status: HTTPResponse.Status
    /// What went wrong and what to do about it.
    var message: String
    /// OpenAI's error class: `invalid_request_error`, `rate_limit_error` or `server_error`.
    var type: String
    /// The request field at fault, when there is one.
    var param: String?
    /// A machine-readable reason, such as `model_not_found`.
    var code: String?
    /// Extra response headers, such as `Retry-After`.
    var headers: HTTPFields = [:]

    /// A 400: the request is wrong and retrying it as is will fail again.
    static func badRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// A 400 for a feature this server does not implement, naming it.
    static func unsupported(_ message: String, param: String) -> APIError {
        .badRequest(message, param: param, code: "unsupported_feature")
    }

    /// A 500 that says nothing about internals; the cause goes to the log, not the client.
    static let internalError = APIError(
        status: .internalServerError, message: "The server had an error while processing your request.",
        type: "server_error", code: "internal_error")

    /// The error as a JSON response.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The error as a JSON response.
    func response() -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: jsonBody()))
    }

    /// `{"error": {...}}` as bytes.
    func jsonBody() -> ByteBuffer {
        // Encoding four strings cannot fail; the fallback only keeps this total.
        (try? JSONBody.encode(Body(error: self))) ?? ByteBuffer(string: #"{"error":{}}"#)
    }

    /// The body as OpenAI's clients expect it, with explicit nulls.
    private struct Body: Encodable {
        let error: APIError

        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: CodingKeys.self)
            var inner = outer.nestedContainer(keyedBy: CodingKeys.self, forKey: .error)
            try inner.encode(error.message, forKey: .message)
            try inner.encode(error.type, forKey: .type)
            try inner.encode(error.param, forKey: .param)
            try inner.encode(error.code, forKey: .code)
        }

        enum CodingKeys: String, CodingKey { case error, message, type, param, code }
    }
}
