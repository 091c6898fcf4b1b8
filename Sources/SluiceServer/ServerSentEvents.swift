import Hummingbird
import Logging

/// Server-sent events as OpenAI streams them: `data: {json}\n\n` per chunk, then `data: [DONE]\n\n`.
enum ServerSentEvents {
    /// `Connection: close` because watching for the client going away
    /// (`consumeWithCancellationOnInboundClose`) ends the connection's inbound stream, so the
    /// connection cannot serve another request; saying so keeps clients from reusing it.
    static let headers: HTTPFields = [
        .contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "close",
    ]

    /// The event that ends every stream.
    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    /// One event carrying `value` as JSON.
    static func event(_ value: some Encodable) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        var json = try JSONBody.encode(value)
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// Runs a stream's chunk loop, then ends the stream as every endpoint does: the request's log
    /// line and metrics whatever happens; an engine failure as an error event; else the usage
    /// chunk `usageChunk` makes, when it makes one; then `[DONE]`. A failed write rethrows.
    static func writeStream(
        to writer: inout any ResponseBodyWriter, tally: inout RequestTally, logger: Logger, metrics: ServerMetrics,
        usageChunk: (RequestTally) throws -> ByteBuffer?,
        chunks: (inout any ResponseBodyWriter, inout RequestTally) async throws -> Void
    ) async throws {
        do {
            try await chunks(&writer, &tally)
        } catch let error as APIError {
            tally.finish(logger: logger, metrics: metrics)
            try await writer.write(errorEvent(error))
            try await writer.write(done)
            return
        } catch {
            tally.finish(logger: logger, metrics: metrics)
            throw error
        }
        tally.finish(logger: logger, metrics: metrics)
        if let usage = try usageChunk(tally) { try await writer.write(usage) }
        try await writer.write(done)
    }

    /// The event for an error that happened after the response had started, as vLLM sends it.
    static func errorEvent(_ error: APIError) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        var json = error.jsonBody()
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// A streamed response whose events `produce` writes.
    ///
    /// `produce` runs until it returns or the client goes away: then it is cancelled, which drops
    /// the engine streams and aborts their requests. A failed write ends it too.
    static func response(
        for request: Request,
        _ produce: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void
    ) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await produce(&writer)
            }
            try await writer.finish(nil)
        })
    }
}
