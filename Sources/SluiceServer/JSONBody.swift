import Foundation
import Hummingbird
import NIOCore
import SluiceGrammar

/// Reading request bodies and writing responses as JSON, with the errors the API promises.
enum JSONBody {
    /// The body as JSON with each object's keys in the order sent (the grammar engine's reader): schemas
    /// and tools, whose properties are generated in the order they are listed.
    static func orderedObject(from body: ByteBuffer) throws(APIError) -> SluiceGrammar.JSONValue {
        do { return try SluiceGrammar.JSONValue.parse(Array(body.readableBytesView)) } catch {
            throw .badRequest("The request body is not valid JSON: \(error)")
        }
    }

    /// `value` as a JSON response; keys are spelled out by each type's `CodingKeys`, so no key
    /// strategy is set (one would also rewrite the token strings used as dictionary keys).
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: try encode(value)))
    }

    /// `value` as compact JSON bytes, keys sorted so that the same value always reads the same.
    static func encode(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: try encoder.encode(value))
    }

    /// Decodes a request body, turning every failure into a 400 that names the field.
    static func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer) throws(APIError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body.readableBytesView))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw APIError(decodingError: error)
        } catch {
            throw .badRequest("The request body could not be read as JSON: \(error).")
        }
    }
}

extension Request {
    /// Collects the body, refusing with 413 one larger than `limit` bytes.
    ///
    /// The declared `Content-Length` is checked first, so an oversized upload is refused before
    /// it is read. The collected body stays on the request, which keeps the connection's inbound
    /// stream for `consumeWithCancellationOnInboundClose`.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        let tooLarge = APIError(
            status: .contentTooLarge, message: "The request body is larger than the server's limit of \(limit) bytes.",
            type: "invalid_request_error", code: "request_too_large")
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge }
        do {
            return try await collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch is NIOTooManyBytesError {
            // What `collectBody(upTo:)` throws for a chunked body that outgrows the limit.
            throw tooLarge
        }
    }
}
