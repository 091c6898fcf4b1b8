/// A mapping that remembers insertion order, as Python dicts do.
///
/// Order is observable in chat templates: `tojson` writes keys in it and `items()` iterates in it,
/// so a tool schema must come out in the order the client sent it. Keys are strings; a template's
/// own dict literals may also use integer keys (`{0: 0, 512: 128}`), which the public API shows as
/// their decimal text.
public struct JinjaObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// A Python dict key: a string, or an integer (booleans and integral floats are the same
    /// key as the integer they equal, as in Python).
    enum PythonKey: Hashable, Sendable {
        case string(String)
        case int(Int)

        init?(_ value: JinjaValue) {
            switch value {
            case .string(let text), .markup(let text): self = .string(text)
            case .int(let number): self = .int(number)
            case .bool(let flag): self = .int(flag ? 1 : 0)
            case .double(let number):
                guard let integer = Int(exactly: number) else { return nil }
                self = .int(integer)
            default: return nil
            }
        }

        var value: JinjaValue {
            switch self {
            case .string(let text): .string(text)
            case .int(let number): .int(number)
            }
        }

        var text: String {
            switch self {
            case .string(let text): text
            case .int(let number): String(number)
            }
        }
    }

    private var order: [PythonKey] = []
    private var storage: [PythonKey: JinjaValue] = [:]

    /// An empty object.
    public init() {}

    /// An object from key-value pairs; a repeated key keeps its first position and its last value,
    /// as in a Python dict literal.
    public init(_ pairs: some Sequence<(String, JinjaValue)>) {
        for (key, value) in pairs { self[key] = value }
    }

    /// An object whose keys keep the order they are written in.
    public init(dictionaryLiteral elements: (String, JinjaValue)...) {
        self.init(elements)
    }

    /// The keys in insertion order (integer keys as their decimal text).
    public var keys: [String] { order.map(\.text) }

    /// The value for the string `key`, or nil; assigning nil removes the key.
    public subscript(key: String) -> JinjaValue? {
        get { storage[.string(key)] }
        set { self[.string(key)] = newValue }
    }

    subscript(key: PythonKey) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { order.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                order.removeAll { $0 == key }
            }
        }
    }

    /// The value for a key given as a template value, or nil if absent or not a valid key.
    subscript(pythonKey key: JinjaValue) -> JinjaValue? {
        PythonKey(key).flatMap { storage[$0] }
    }

    /// The keys as template values, in order: what iterating a dict yields.
    var pythonKeys: [JinjaValue] { order.map(\.value) }

    /// `(key, value)` pairs in order, keys as template values.
    var pythonEntries: [(key: JinjaValue, value: JinjaValue)] { order.map { ($0.value, storage[$0]!) } }

    /// The number of keys.
    public var count: Int { order.count }

    /// Whether there are no keys.
    public var isEmpty: Bool { order.isEmpty }

    /// The values, in key order.
    public var values: [JinjaValue] { order.map { storage[$0]! } }

    /// The key-value pairs, in key order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JinjaValue)> {
        order.lazy.map { (key: $0.text, value: storage[$0]!) }.makeIterator()
    }

    /// Equal when both hold the same keys with equal values, in any order, as Python dicts compare.
    public static func == (lhs: JinjaObject, rhs: JinjaObject) -> Bool {
        lhs.storage == rhs.storage
    }
}
