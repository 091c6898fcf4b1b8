/// Splits a server-sent event stream into the `data` payloads of its events, fed with the body's
/// bytes as they arrive, however the network cuts them.
///
/// Follows the WHATWG event-stream rules that OpenAI streams use: lines end with LF, CR LF or CR;
/// a blank line ends an event; `data:` lines (one optional space after the colon) are joined by
/// LF; comments (`:`) and other fields are skipped.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCarriageReturn = false

    public init() {}

    /// Consumes `bytes` and returns the payloads of the events they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n") where lastWasCarriageReturn:
                lastWasCarriageReturn = false  // the LF of a CR LF pair: the line already ended.
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                lastWasCarriageReturn = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                lastWasCarriageReturn = false
                line.append(byte)
            }
        }
        return events
    }

    /// Handles the line just ended; returns an event's payload when the line was blank.
    private mutating func endLine() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else { return nil }
            defer { data.removeAll(keepingCapacity: true); hasData = false }
            return String(decoding: data, as: UTF8.self)
        }
        let prefix = Array("data:".utf8)
        guard line.starts(with: prefix) else { return nil }
        var value = line.dropFirst(prefix.count)
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if hasData { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: value)
        hasData = true
        return nil
    }
}
