import NIOCore
import NIOHTTP1
import Testing
@testable import SluiceServer

@Suite("Connection state: when an HTTP/1 connection closes, without I/O")
struct ConnectionStateTests {
    static func head(_ version: HTTPVersion = .http1_1, _ headers: HTTPHeaders = [:]) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: version, method: .POST, uri: "/v1/completions", headers: headers))
    }

    @Test("a keep-alive request read to its end keeps the connection open after the response")
    func keepAlive() {
        var state = ConnectionState()
        let result1 = state.read(Self.head())
        #expect(result1 == .forward)
        let result2 = state.read(.end(nil))
        #expect(result2 == .forward)
        var version = HTTPVersion.http1_1
        let result3 = state.writeHead(requestVersion: &version, connectionHeader: [])
        #expect(!result3)
        #expect(version == .http1_1)
        let result4 = state.writeEnd()
        #expect(!result4)
        let result5 = state.read(Self.head())
        #expect(result5 == .forward)
    }

    @Test("Connection: close closes after the response and drops a request pipelined behind it")
    func connectionClose() {
        var state = ConnectionState()
        let result6 = state.read(Self.head(.http1_1, ["Connection": "close"]))
        #expect(result6 == .forward)
        let result7 = state.read(.end(nil))
        #expect(result7 == .forward)
        let result8 = state.read(Self.head())
        #expect(result8 == .drop)
        let result9 = state.read(.end(nil))
        #expect(result9 == .drop)
        var version = HTTPVersion.http1_1
        let result10 = state.writeHead(requestVersion: &version, connectionHeader: [])
        #expect(result10)
        let result11 = state.writeEnd()
        #expect(result11)
    }

    @Test("an HTTP/1.0 request gets an HTTP/1.0 response and a close")
    func http10() {
        var state = ConnectionState()
        _ = state.read(Self.head(.http1_0))
        _ = state.read(.end(nil))
        var version = HTTPVersion.http1_1
        let result12 = state.writeHead(requestVersion: &version, connectionHeader: [])
        #expect(result12)
        #expect(version == .http1_0)
        let result13 = state.writeEnd()
        #expect(result13)
    }

    @Test("a response before the request's body ended (a 413) closes the connection")
    func answeredEarly() {
        var state = ConnectionState()
        _ = state.read(Self.head())
        _ = state.read(.body(ByteBuffer(string: "partial")))
        var version = HTTPVersion.http1_1
        let result14 = state.writeHead(requestVersion: &version, connectionHeader: [])
        #expect(result14)
        let result15 = state.writeEnd()
        #expect(result15)
        let result16 = state.read(.body(ByteBuffer(string: "rest")))
        #expect(result16 == .drop)
    }

    @Test("a response that says Connection: close closes the connection")
    func responseSaysClose() {
        var state = ConnectionState()
        _ = state.read(Self.head())
        _ = state.read(.end(nil))
        var version = HTTPVersion.http1_1
        let result17 = state.writeHead(requestVersion: &version, connectionHeader: ["close"])
        #expect(result17)
        let result18 = state.writeEnd()
        #expect(result18)
    }

    @Test("a parse error between requests is answered here; inside a body it goes to the handler, then closes")
    func parseErrors() {
        var between = ConnectionState()
        let result19 = between.parseFailed()
        #expect(result19 == .answer)
        let result20 = between.parseFailed()
        #expect(result20 == .ignore)
        let result21 = between.read(Self.head())
        #expect(result21 == .drop)

        var inside = ConnectionState()
        _ = inside.read(Self.head())
        let result22 = inside.parseFailed()
        #expect(result22 == .forwardToRequest)
        var version = HTTPVersion.http1_1
        let result23 = inside.writeHead(requestVersion: &version, connectionHeader: [])
        #expect(result23)
        let result24 = inside.writeEnd()
        #expect(result24)

        var behind = ConnectionState()
        _ = behind.read(Self.head())
        _ = behind.read(.end(nil))
        let result25 = behind.parseFailed()
        #expect(result25 == .ignore)
        let result26 = behind.writeHead(requestVersion: &version, connectionHeader: [])
        #expect(result26)
    }

    @Test("parser errors map to 400, or 431 for an oversized header section, all closing the connection")
    func statuses() {
        #expect(APIError(parserError: .invalidChunkSize).status == .badRequest)
        #expect(APIError(parserError: .unknown).status == .badRequest)
        #expect(APIError(parserError: .headerOverflow).status == .requestHeaderFieldsTooLarge)
        #expect(APIError(parserError: .invalidEOFState).headers[.connection] == "close")
        #expect(APIError(parserError: .invalidChunkSize).type == "invalid_request_error")
    }
}
