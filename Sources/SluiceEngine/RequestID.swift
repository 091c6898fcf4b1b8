/// The identity of one request, as the KV-cache manager and scheduler know it.
public struct RequestID: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The id as the API gave it (for example `cmpl-…`).
    public let rawValue: String

    /// Wraps an id string.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// Wraps an id written as a literal, as tests do.
    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// The id string.
    public var description: String { rawValue }
}
