import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to the server on 127.0.0.1, written to byte by byte as a hostile client
/// would: no HTTP library in between to fix up what it sends.
final class RawHTTPConnection {
    private let fd: Int32
    /// 30 s; 5 s for the side-by-side report, where llama-server leaves some connections hanging.
    static let defaultReadTimeout = ProcessInfo.processInfo.environment["SLUICE_ATTACK_PEER"] == "1" ? 5 : 30

    /// Bytes read past the end of the last response.
    private var pending: [UInt8] = []
    var descriptor: Int32 { fd }

    /// Connects; reads wait at most `readTimeout` seconds, a bound on failure and never a measurement.
    init(port: Int, readTimeout: Int = RawHTTPConnection.defaultReadTimeout) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw OpenAIClientTests.TestFailure("socket() failed") }
        var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            throw OpenAIClientTests.TestFailure("could not connect to 127.0.0.1:\(port)")
        }
    }

    deinit { close(fd) }

    /// Sends `bytes`; false when the server has already closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Ends the client's side (a half-close): the server reads end-of-file, the client can still read.
    func halfClose() { shutdown(fd, Int32(SHUT_WR)) }

    /// Everything the server sends until it closes the connection; `closed` is false when the
    /// read timed out with the connection still open.
    func readToEnd() -> (bytes: [UInt8], closed: Bool) {
        var bytes = pending
        pending = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                bytes += buffer[..<count]
            } else if count == 0 {
                return (bytes, true)
            } else if errno == EINTR {
                continue
            } else {
                // ECONNRESET counts as closed; EAGAIN is the read timeout.
                return (bytes, errno == ECONNRESET)
            }
        }
    }

    /// Reads until `marker` has arrived (kept for the next read); false if the connection closed
    /// or the read timed out first. A test waits on the server's bytes this way rather than on a
    /// clock, which a busy machine can stretch past the event it meant to precede.
    func read(until marker: String) -> Bool {
        let target = Array(marker.utf8)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while pending.firstRange(of: target) == nil {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            pending += buffer[..<count]
        }
        return true
    }

    /// Reads one response and returns it parsed, or nil if the connection closed first.
    /// A close-delimited body is read to the end of the connection.
    func readResponse() -> RawHTTPResponse? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func fill() -> Bool {
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                pending += buffer[..<count]
                return true
            }
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = pending.firstRange(of: separator)?.upperBound
            if headerEnd == nil && !fill() { return nil }
        }
        let head = String(decoding: pending[..<headerEnd!], as: UTF8.self)
        var response = RawHTTPResponse(head: head)
        pending.removeFirst(headerEnd!)
        if let length = response.header("content-length").flatMap(Int.init) {
            while pending.count < length { if !fill() { break } }
            response.body = Array(pending.prefix(length))
            // What follows belongs to the next response (pipelining).
            pending.removeFirst(min(length, pending.count))
        } else if response.header("transfer-encoding")?.lowercased() == "chunked" {
            response.isChunked = true
            // Read to the terminating chunk; the decoded body is not needed by the cases.
            while pending.firstRange(of: Array("0\r\n\r\n".utf8)) == nil { if !fill() { break } }
            response.body = pending
            pending = []
        } else {
            while fill() {}
            response.body = pending
            pending = []
            response.bodyEndedByClose = true
        }
        return response
    }
}

/// A response as it came over the wire.
struct RawHTTPResponse {
    let statusLine: String
    let status: Int
    let headers: [(name: String, value: String)]
    var body: [UInt8] = []
    var isChunked = false
    var bodyEndedByClose = false

    init(head: String) {
        let lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        statusLine = lines.first ?? ""
        let parts = statusLine.split(separator: " ")
        status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]).lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// Whether the body is OpenAI's error shape, `{"error": {"message": …, "type": …}}`.
    var isOpenAIError: Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let error = object["error"] as? [String: Any] else { return false }
        return error["message"] is String && error["type"] is String
    }
}
