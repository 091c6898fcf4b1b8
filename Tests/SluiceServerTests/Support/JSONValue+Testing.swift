import Hummingbird
import HummingbirdTesting
@testable import SluiceServer

/// Reading responses in tests through the server's own `JSONValue`.
extension JSONValue {
    /// Parses a response body; fails the test when it is not JSON.
    init(_ buffer: ByteBuffer) throws {
        self = try JSONBody.decode(JSONValue.self, from: buffer)
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var double: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var int: Int? { double.map { Int($0) } }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The strings of an array (non-strings left out).
    var strings: [String]? { array?.compactMap { $0.string } }

    /// The numbers of an array.
    var doubles: [Double]? { array?.compactMap { $0.double } }

    /// The integers of an array.
    var ints: [Int]? { array?.compactMap { $0.int } }

    /// The objects of an array.
    var objects: [[String: JSONValue]]? { array?.compactMap { $0.object } }
}

extension TestResponse {
    /// The body as JSON.
    var json: JSONValue {
        get throws { try JSONValue(body) }
    }

    /// The body as text.
    var text: String { String(buffer: body) }

    /// The `data:` payloads of a server-sent-events body, in order, `[DONE]` included.
    var events: [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            event.hasPrefix("data: ") ? String(event.dropFirst("data: ".count)) : event
        }
    }

    /// The JSON chunks of a server-sent-events body, `[DONE]` left out.
    var chunks: [JSONValue] {
        get throws {
            try events.filter { $0 != "[DONE]" }.map { try JSONValue(ByteBuffer(string: $0)) }
        }
    }
}
