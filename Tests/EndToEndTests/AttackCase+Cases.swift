import Foundation

extension AttackCase {
    static let goodBody = #"{"prompt": "Hi", "max_tokens": 2}"#
    static let rejected = Expectation(status: 400, closes: true)
    static let anyClientError = Expectation(status: nil, closes: true)

    /// A chunked POST whose body is `chunks`, written as given.
    static func chunked(_ chunks: String, headers: [String] = ["Transfer-Encoding: chunked"]) -> String {
        request(headers: headers, body: "", contentLength: false) + chunks
    }

    /// HTTP framing: everything NIO's decoder refuses is a 4xx in OpenAI's shape, then a close.
    static let framing: [AttackCase] = [
        exchange("framing", "chunk size that is not hex", chunked("zz\r\nabc\r\n0\r\n\r\n"), expect: rejected),
        exchange("framing", "negative chunk size", chunked("-5\r\nabcde\r\n0\r\n\r\n"), expect: rejected),
        exchange("framing", "chunk size that overflows 64 bits", chunked("fffffffffffffffffffff\r\nabc\r\n0\r\n\r\n"),
                 expect: rejected),
        exchange("framing", "chunk data without its CRLF", chunked("3\r\nabcXY0\r\n\r\n"), expect: rejected),
        exchange("framing", "chunk size line without CRLF", chunked("3xyz\r\n0\r\n\r\n"), expect: rejected),
        exchange("framing", "chunked body cut short then half-closed", chunked("10\r\nabc"), halfClose: true,
                 expect: rejected),
        exchange("framing", "trailer section over the header limit",
                 chunked("0\r\n" + String(repeating: "X-Trailer: \(String(repeating: "t", count: 100))\r\n", count: 1000) + "\r\n"),
                 expect: anyClientError),
        exchange("framing", "Transfer-Encoding gzip", chunked("3\r\nabc\r\n0\r\n\r\n", headers: ["Transfer-Encoding: gzip"]),
                 expect: rejected),
        exchange("framing", "Transfer-Encoding chunkedx", chunked("3\r\nabc\r\n0\r\n\r\n", headers: ["Transfer-Encoding: chunkedx"]),
                 expect: rejected),
        exchange("framing", "Transfer-Encoding chunked, gzip (chunked not last)",
                 chunked("3\r\nabc\r\n0\r\n\r\n", headers: ["Transfer-Encoding: chunked, gzip"]), expect: rejected),
        exchange("framing", "Content-Length and Transfer-Encoding together",
                 chunked("3\r\nabc\r\n0\r\n\r\n", headers: ["Transfer-Encoding: chunked", "Content-Length: 10"]),
                 expect: rejected),
        exchange("framing", "Content-Length that is not a number",
                 request(headers: ["Content-Length: ten"], body: goodBody, contentLength: false), expect: rejected),
        exchange("framing", "negative Content-Length",
                 request(headers: ["Content-Length: -1"], body: goodBody, contentLength: false), expect: rejected),
        exchange("framing", "two different Content-Lengths",
                 request(headers: ["Content-Length: 5", "Content-Length: 7"], body: goodBody, contentLength: false),
                 expect: rejected),
        exchange("framing", "body shorter than its Content-Length, then half-closed",
                 request(headers: ["Content-Length: 100"], body: #"{"prompt": "#, contentLength: false), halfClose: true,
                 expect: rejected),
        exchange("framing", "header section over the limit",
                 request("GET", "/health", headers: (0..<100).map { "X-Filler-\($0): \(String(repeating: "f", count: 1000))" }),
                 expect: Expectation(status: 431, closes: true)),
        exchange("framing", "one header line over the limit",
                 request("GET", "/health", headers: ["X-Big: \(String(repeating: "b", count: 100_000))"]),
                 expect: Expectation(status: 431, closes: true)),
        exchange("framing", "request line that is not HTTP", "hello there\r\n\r\n", expect: rejected),
        exchange("framing", "method with a forbidden character", request("G@T", "/health"), expect: rejected),
        exchange("framing", "space before a header colon", request("GET", "/health", headers: ["X-Spaced : v"]),
                 expect: rejected),
        exchange("framing", "control character in a header name", request("GET", "/health", headers: ["X-\u{1}Bad: v"]),
                 expect: rejected),
        exchange("framing", "NUL in a header value", request("GET", "/health", headers: ["X-Nul: a\u{0}b"]), expect: rejected),
        exchange("framing", "obsolete header line folding", request("GET", "/health", headers: ["X-Fold: a", " folded"]),
                 expect: rejected),
        exchange("framing", "space inside the request target", "GET /hea lth HTTP/1.1\r\nHost: x\r\n\r\n", expect: rejected),
        exchange("framing", "binary garbage instead of a request", Array((0..<256).map { UInt8($0) }.reversed()),
                 expect: rejected),
        exchange("framing", "body over the size limit, declared up front",
                 request(headers: ["Content-Length: \(40 << 20)"], body: String(repeating: " ", count: 1 << 16),
                         contentLength: false),
                 expect: Expectation(status: 413, closes: true)),
        exchange("framing", "body over the size limit, sent whole and chunked",
                 chunked(String(repeating: "100000\r\n\(String(repeating: " ", count: 1 << 20))\r\n", count: 33) + "0\r\n\r\n"),
                 expect: Expectation(status: 413, closes: true)),
    ]
}
