import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Keeps one HTTP/1 connection's framing honest, between NIO's HTTP/1 codec and Hummingbird's,
/// where the request's version and the decoder's errors are still visible.
///
/// - A request the decoder cannot parse, outside any request in flight (a bad request line or
///   header, a header section over the limit), is answered here with the 400 or 431 of
///   ``APIError/init(parserError:)`` and the connection closed; it never reaches the router, so
///   it can never become a 500. Inside a request (a malformed chunk, a body cut short), the
///   error goes on to the handler reading the body, whose ``ErrorMiddleware`` answers it the
///   same way, and the connection is closed after that response.
/// - The connection is closed after a response when the client asked for it (HTTP/1.0 without
///   keep-alive, `Connection: close`), when the response says `Connection: close`, or when the
///   server answered before the request's body ended (a 413, a refusal before the body was
///   read): the rest of the stream cannot be trusted to start a new request. Pipelined requests
///   behind such a response are dropped, as RFC 9112 §9.6 says.
/// - A response to an HTTP/1.0 request is sent as HTTP/1.0: NIO's encoder then frames a body of
///   unknown length by closing the connection instead of with chunked encoding, which HTTP/1.0
///   does not have.
final class HTTP1ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var state = ConnectionState()
    private let logger: Logger
    /// Whether the client has closed its sending side.
    private var inputClosed = false
    private var lingerTimer: Scheduled<Void>?
    /// How long a closing connection waits for the client to stop sending.
    static let lingerTime = TimeAmount.seconds(2)

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state.read(unwrapInboundIn(data)) {
        case .forward: context.fireChannelRead(data)
        case .drop: break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        switch state.parseFailed() {
        case .forwardToRequest:
            logger.debug("HTTP parse error inside a request, answered by its handler: \(parserError)")
            context.fireErrorCaught(error)
        case .answer:
            // A client that went away in the middle of a header is not worth a line at info.
            logger.log(level: parserError == .invalidEOFState ? .debug : .info,
                       "HTTP parse error, answered with a client error and the connection closed: \(parserError)")
            let apiError = APIError(parserError: parserError)
            let body = apiError.jsonBody()
            let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: Int(apiError.status.code)), headers: [
                "Content-Type": "application/json", "Content-Length": String(body.readableBytes), "Connection": "close",
            ])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            writeAndClose(context: context, data: wrapOutboundOut(.end(nil)), promise: nil)
        case .ignore:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let close = state.writeHead(requestVersion: &head.version, connectionHeader: head.headers["connection"])
            if close { head.headers.replaceOrAdd(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if state.writeEnd() {
                writeAndClose(context: context, data: data, promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        }
    }

    /// Writes the last part of a response and closes the connection once it is on the wire.
    private func writeAndClose(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = context.eventLoop.makePromise(of: Void.self)
        if let promise { written.futureResult.cascade(to: promise) }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in bound.value.handler.closeLingering(context: bound.value.context) }
        context.writeAndFlush(data, promise: written)
    }

    /// Closes the sending side at once and the whole connection once the client has stopped
    /// sending (or after ``lingerTime``), as Apache's lingering close: a client still sending a
    /// body it was refused then reads the response, where closing at once would send it a
    /// reset that can destroy the response before the client reads it. What arrives meanwhile
    /// is dropped (``ConnectionState/closing``).
    private func closeLingering(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        guard !inputClosed else {
            context.close(promise: nil)
            return
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let closed = context.eventLoop.makePromise(of: Void.self)
        closed.futureResult.whenFailure { _ in bound.value.close(promise: nil) }
        context.close(mode: .output, promise: closed)
        lingerTimer = context.eventLoop.scheduleTask(in: Self.lingerTime) { bound.value.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            if state.closing {
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        lingerTimer?.cancel()
        lingerTimer = nil
        context.fireChannelInactive()
    }
}

/// The decisions of ``HTTP1ConnectionHandler``, without I/O: each event returns what to do.
///
/// Requests may be pipelined: several can be read before the first is answered, so each
/// request read and not yet answered is kept, in order, with what its response needs.
struct ConnectionState {
    struct PendingRequest: Equatable {
        /// The request was HTTP/1.0: its response is too.
        var isHTTP10: Bool
        /// The connection closes after this request's response.
        var closes: Bool
        /// The request was read to its end.
        var ended = false
    }

    /// Requests read whose responses have not ended, oldest first.
    private(set) var pending: [PendingRequest] = []
    /// Whether the response being written closes the connection.
    private(set) var responseCloses = false
    /// Once set, nothing more is read: the connection is closing.
    private(set) var closing = false

    enum ReadAction: Equatable { case forward, drop }

    mutating func read(_ part: HTTPServerRequestPart) -> ReadAction {
        guard !closing else { return .drop }
        switch part {
        case .head(let head):
            // A request pipelined behind one whose response will close the connection.
            if pending.contains(where: \.closes) { closing = true; return .drop }
            let isHTTP10 = head.version.major == 1 && head.version.minor == 0
            pending.append(PendingRequest(isHTTP10: isHTTP10, closes: !head.isKeepAlive || head.version.major < 1 || isHTTP10))
        case .body:
            break
        case .end:
            if let last = pending.indices.last { pending[last].ended = true }
        }
        return .forward
    }

    enum ParseFailureAction: Equatable { case forwardToRequest, answer, ignore }

    mutating func parseFailed() -> ParseFailureAction {
        guard !closing else { return .ignore }
        guard let last = pending.indices.last else {
            closing = true
            return .answer
        }
        pending[last].closes = true
        // Nothing after the fault can be read; a handler still reading a body sees the error.
        return pending[last].ended ? .ignore : .forwardToRequest
    }

    /// Sets the response's version to HTTP/1.0 when its request was; true when the response
    /// must say `Connection: close`.
    mutating func writeHead(requestVersion version: inout HTTPVersion, connectionHeader: [String]) -> Bool {
        responseCloses = connectionHeader.contains { $0.lowercased() == "close" }
        if let request = pending.first {
            if request.isHTTP10 { version = .http1_0 }
            // Answered before its body ended, the rest of the stream cannot start a request.
            if request.closes || !request.ended { responseCloses = true }
        }
        return responseCloses
    }

    /// True when the connection closes after this end.
    mutating func writeEnd() -> Bool {
        if !pending.isEmpty { pending.removeFirst() }
        if responseCloses { closing = true }
        return responseCloses
    }
}
