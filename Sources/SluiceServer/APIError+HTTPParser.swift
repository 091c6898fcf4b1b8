import Hummingbird
import NIOHTTP1

extension APIError {
    /// The client error for a request NIO's HTTP/1 decoder could not parse: its framing is
    /// broken, so the response also closes the connection (`Connection: close`).
    ///
    /// Header sections over the decoder's limits are 431 and a `Transfer-Encoding` other than
    /// `chunked` is 400 (llhttp reports both that and other framing faults as `unknown`); the
    /// rest are 400 that name the fault. None is a server fault.
    init(parserError: HTTPParserError) {
        let status: HTTPResponse.Status
        let message: String
        switch parserError {
        case .headerOverflow:
            status = .requestHeaderFieldsTooLarge
            message = "The request's header section is larger than the server accepts."
        case .invalidChunkSize:
            message = "The request's chunked body has an invalid chunk size."
            status = .badRequest
        case .invalidContentLength, .unexpectedContentLength:
            message = "The request's Content-Length is invalid or conflicts with its Transfer-Encoding."
            status = .badRequest
        case .invalidEOFState, .closedConnection:
            message = "The request ended before its body was complete."
            status = .badRequest
        case .invalidMethod, .invalidURL, .invalidVersion, .invalidConstant, .invalidHeaderToken, .lfExpected,
             .invalidCharactersUsed, .trailingGarbage:
            message = "The request is not valid HTTP/1.1 (\(parserError))."
            status = .badRequest
        default:
            message = "The request's framing could not be read: a malformed header, chunk or Transfer-Encoding "
                + "(only `chunked` is accepted) (\(parserError))."
            status = .badRequest
        }
        self.init(status: status, message: message, type: "invalid_request_error", code: "malformed_request",
                  headers: [.connection: "close"])
    }
}
