import Hummingbird
import Logging
import NIOHTTP1

/// Turns every error a handler throws into a response in OpenAI's error shape: ``APIError``s as
/// they are, Hummingbird's own (404 for an unknown path, 413, …) with their status, a body whose
/// HTTP framing is broken as a 400, and anything
/// else into a 500 whose cause goes to the log and never to the client.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return refuse(error, request: request, context: context)
        } catch let error as HTTPError {
            return refuse(Self.apiError(for: error, request: request), request: request, context: context)
        } catch let error as HTTPParserError {
            // The body's framing broke while a handler read it: the client's fault, and the
            // connection cannot carry another request (HTTP1ConnectionHandler closes it).
            return refuse(APIError(parserError: error), request: request, context: context)
        } catch is CancellationError {
            // The client went away; nobody reads what would be written.
            context.logger.debug("request cancelled: the client disconnected")
            throw CancellationError()
        } catch {
            context.logger.error("unexpected error for \(request.method) \(request.uri.path): \(error)")
            return APIError.internalError.response()
        }
    }

    /// Logs a refusal on one line, as an access log would, and answers it.
    private func refuse(_ error: APIError, request: Request, context: Context) -> Response {
        context.logger.info("\(request.method) \(request.uri.path) refused with \(error.status.code): \(error.message)")
        return error.response()
    }

    /// Hummingbird's errors in the API's shape.
    static func apiError(for error: HTTPError, request: Request) -> APIError {
        switch error.status {
        case .notFound:
            return APIError(status: .notFound,
                            message: "No endpoint \(request.method) \(request.uri.path). See GET /v1/models, "
                                + "POST /v1/completions, POST /v1/chat/completions, POST /v1/responses, POST /v1/messages.",
                            type: "invalid_request_error", code: "not_found")
        case .contentTooLarge:
            return APIError(status: .contentTooLarge, message: "The request body is larger than the server accepts.",
                            type: "invalid_request_error", code: "request_too_large")
        default:
            let message = error.body ?? error.status.reasonPhrase
            return APIError(status: error.status, message: message,
                            type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
        }
    }
}
