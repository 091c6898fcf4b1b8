import Foundation

/// One thing a hostile client tries, and what a clean outcome is.
struct AttackCase: Sendable {
    /// The family: framing, connections, json, resources, auth, content.
    let category: String
    let name: String
    /// Runs the attack against the server on `port`; returns what went wrong, empty when clean.
    let run: @Sendable (_ port: Int) throws -> [String]
}

/// What a response must look like for a case to be clean.
struct Expectation: Sendable {
    /// The status, or nil for any 4xx.
    var status: Int?
    /// Whether the body must be OpenAI's `{"error": {...}}`.
    var errorShape = true
    /// Whether the server must close the connection after the response.
    var closes = false
}

extension AttackCase {
    static let apiKey = "attack-key"

    /// A request as bytes: the request line, `Host`, the key (unless `auth` is false), the
    /// extra header lines, then `body` with a `Content-Length` unless `framing` says otherwise.
    static func request(
        _ method: String = "POST", _ path: String = "/v1/completions", version: String = "HTTP/1.1",
        headers: [String] = [], body: String? = nil, contentLength: Bool = true, auth: Bool = true
    ) -> String {
        var lines = ["\(method) \(path) \(version)", "Host: 127.0.0.1"]
        if auth { lines.append("Authorization: Bearer \(apiKey)") }
        if body != nil { lines.append("Content-Type: application/json") }
        if let body, contentLength { lines.append("Content-Length: \(body.utf8.count)") }
        lines += headers
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + (body ?? "")
    }

    /// Sends `bytes` (then half-closes when asked), reads one response and checks it.
    static func exchange(_ category: String, _ name: String, _ bytes: @autoclosure @escaping @Sendable () -> [UInt8],
                         halfClose: Bool = false, expect: Expectation) -> AttackCase {
        AttackCase(category: category, name: name) { port in
            // Built before connecting: building 20 MiB takes longer than the idle timeout.
            let payload = bytes()
            let connection = try RawHTTPConnection(port: port)
            connection.send(payload)
            if halfClose { connection.halfClose() }
            return check(connection, expect)
        }
    }

    static func exchange(_ category: String, _ name: String, _ text: @autoclosure @escaping @Sendable () -> String,
                         halfClose: Bool = false, expect: Expectation) -> AttackCase {
        exchange(category, name, Array(text().utf8), halfClose: halfClose, expect: expect)
    }

    /// Reads one response from `connection` and lists how it falls short of `expect`.
    static func check(_ connection: RawHTTPConnection, _ expect: Expectation) -> [String] {
        guard let response = connection.readResponse() else { return ["the connection closed without a response"] }
        var failures: [String] = []
        if let status = expect.status {
            if response.status != status { failures.append("status \(response.status), expected \(status): \(response.text.prefix(300))") }
        } else if !(400..<500).contains(response.status) {
            failures.append("status \(response.status), expected a 4xx: \(response.text.prefix(300))")
        }
        if expect.errorShape && !response.isOpenAIError {
            failures.append("the body is not OpenAI's error shape: \(response.text.prefix(300))")
        }
        if expect.closes {
            if !response.bodyEndedByClose {
                let (rest, closed) = connection.readToEnd()
                if !closed { failures.append("the connection stayed open after the response") }
                if !rest.isEmpty { failures.append("more bytes after the response: \(String(decoding: rest.prefix(200), as: UTF8.self))") }
            }
            if response.header("connection")?.lowercased() != "close" && !response.statusLine.hasPrefix("HTTP/1.0") {
                failures.append("the response does not say Connection: close")
            }
        }
        return failures
    }
}
