import Foundation

extension AttackCase {
    /// Connection handling: HTTP/1.0, Connection: close with pipelining, idle and slow clients.
    /// The server runs with `--idle-timeout 1`.
    static let connections: [AttackCase] = [
        AttackCase(category: "connections", name: "HTTP/1.0 request gets an HTTP/1.0 response and a close") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request("GET", "/health", version: "HTTP/1.0"))
            return checkHTTP10(connection, wantsBody: nil)
        },
        AttackCase(category: "connections", name: "HTTP/1.0 streamed completion is close-delimited, not chunked") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request(version: "HTTP/1.0", body: #"{"prompt": "Hi", "max_tokens": 3, "stream": true}"#))
            return checkHTTP10(connection, wantsBody: "data: [DONE]")
        },
        AttackCase(category: "connections", name: "HTTP/1.0 completion has a Content-Length and a close") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request(version: "HTTP/1.0", body: goodBody))
            return checkHTTP10(connection, wantsBody: "\"choices\"")
        },
        AttackCase(category: "connections", name: "Connection: close with a request pipelined behind it") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request("GET", "/health", headers: ["Connection: close"]) + request("GET", "/health"))
            guard let first = connection.readResponse() else { return ["no response"] }
            var failures: [String] = first.status == 200 ? [] : ["status \(first.status)"]
            let (rest, closed) = connection.readToEnd()
            if !closed { failures.append("the connection stayed open") }
            if !rest.isEmpty { failures.append("the pipelined request was answered after Connection: close") }
            return failures
        },
        AttackCase(category: "connections", name: "two pipelined keep-alive requests are both answered") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request("GET", "/health") + request("GET", "/v1/models"))
            let statuses = [connection.readResponse()?.status, connection.readResponse()?.status]
            return statuses == [200, 200] ? [] : ["statuses \(statuses)"]
        },
        AttackCase(category: "connections", name: "Connection: close on a completion closes after it") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request(headers: ["Connection: close"], body: goodBody))
            return check(connection, Expectation(status: 200, errorShape: false, closes: true))
        },
        AttackCase(category: "connections", name: "an idle connection is closed") { port in
            let connection = try RawHTTPConnection(port: port)
            let (bytes, closed) = connection.readToEnd()
            return closed && bytes.isEmpty ? [] : ["closed \(closed), \(bytes.count) bytes"]
        },
        AttackCase(category: "connections", name: "a header that never finishes (slowloris) is closed") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            let (_, closed) = connection.readToEnd()
            return closed ? [] : ["the connection stayed open"]
        },
        AttackCase(category: "connections", name: "a body that stops arriving is closed") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request(headers: ["Content-Length: 1000"], body: #"{"prompt": "#, contentLength: false))
            let (bytes, closed) = connection.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            var failures: [String] = closed ? [] : ["the connection stayed open"]
            if text.contains(" 500 ") { failures.append("answered 500: \(text.prefix(200))") }
            return failures
        },
        AttackCase(category: "connections", name: "a keep-alive connection left idle after a response is closed") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request("GET", "/health"))
            guard connection.readResponse()?.status == 200 else { return ["no 200"] }
            let (_, closed) = connection.readToEnd()
            return closed ? [] : ["the connection stayed open"]
        },
        AttackCase(category: "connections", name: "a client that disconnects mid-stream leaves the server serving") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request(body: #"{"prompt": "Once", "max_tokens": 200, "ignore_eos": true, "stream": true}"#))
            var buffer = [UInt8](repeating: 0, count: 256)
            _ = buffer.withUnsafeMutableBytes { recv(connection.descriptor, $0.baseAddress, $0.count, 0) }
            return []
        },
        AttackCase(category: "connections", name: "a client that half-closes after a bad request still reads the answer") { port in
            let connection = try RawHTTPConnection(port: port)
            connection.send(request(body: "{not json"))
            connection.halfClose()
            return check(connection, Expectation(status: 400, closes: false))
        },
        AttackCase(category: "connections", name: "50 connections opened at once and dropped") { port in
            let connections = try (0..<50).map { _ in try RawHTTPConnection(port: port) }
            for connection in connections { connection.send("GET /heal") }
            return []
        },
    ]

    /// An HTTP/1.0 response: version 1.0, no chunked encoding, the connection closed after it.
    static func checkHTTP10(_ connection: RawHTTPConnection, wantsBody: String?) -> [String] {
        guard let response = connection.readResponse() else { return ["no response"] }
        var failures: [String] = []
        if response.status != 200 { failures.append("status \(response.status): \(response.text.prefix(200))") }
        if !response.statusLine.hasPrefix("HTTP/1.0") { failures.append("status line \(response.statusLine)") }
        if response.isChunked || response.header("transfer-encoding") != nil { failures.append("chunked to HTTP/1.0") }
        if let wantsBody, !response.text.contains(wantsBody) { failures.append("body lacks \(wantsBody): \(response.text.prefix(200))") }
        if !response.bodyEndedByClose {
            let (_, closed) = connection.readToEnd()
            if !closed { failures.append("the connection stayed open") }
        }
        return failures
    }

}
