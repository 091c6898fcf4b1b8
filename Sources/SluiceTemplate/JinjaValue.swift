/// A value inside a template: what a caller passes in, and everything an expression can produce.
///
/// The cases mirror the Python types jinja2 works with, because chat templates are written against
/// jinja2 and must render byte for byte as Hugging Face's `apply_chat_template` renders them:
/// `int` and `double` print differently (`1` and `1.0`), objects keep insertion order (as Python
/// dicts do, which `tojson` and `items()` expose), and `undefined` is distinct from `null`.
///
/// Build values with literals: `["role": "user", "content": "Hi"]` is an object whose keys stay in
/// that order, `nil` is `.null`.
public enum JinjaValue: Sendable {
    /// A name or attribute that does not exist, like jinja2's default `Undefined`: it prints as "",
    /// is false, iterates as empty, and fails in arithmetic, calls and attribute access.
    case undefined
    /// Python's `None`: `none` or `None` in a template, `null` in JSON.
    case null
    /// A boolean; like Python's `bool` it also counts as the integer 0 or 1 in arithmetic.
    case bool(Bool)
    /// An integer; arithmetic that leaves 64 bits fails instead of wrapping.
    case int(Int)
    /// A floating-point number, printed the way Python's `repr(float)` prints it.
    case double(Double)
    /// A string, indexed and measured in Unicode scalars as Python does.
    case string(String)
    /// A string marked safe by `|safe` or produced by `|escape`, like jinja2's `Markup`: adding a
    /// plain string to it HTML-escapes the plain string, which some chat templates depend on.
    case markup(String)
    /// A list (Python tuples become lists too).
    case array([JinjaValue])
    /// A mapping with string keys in insertion order.
    case object(JinjaObject)
    /// A one-pass sequence, like the Python generators that `map`, `select` and friends return:
    /// it can be iterated once, is always true, and has no length.
    case iterator(JinjaIterator)
    /// Something a template can call: a global function, a macro or a bound method.
    case callable(JinjaCallable)
    /// A `namespace()` object, the one value a template can change in place.
    case namespace(JinjaNamespace)
}

extension JinjaValue: Equatable {
    /// Structural equality; objects compare without regard to key order, as Python dicts do.
    public static func == (lhs: JinjaValue, rhs: JinjaValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)), (.markup(let a), .markup(let b)): a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        case (.iterator(let a), .iterator(let b)): a === b
        case (.callable(let a), .callable(let b)): a === b
        case (.namespace(let a), .namespace(let b)): a === b
        default: false
        }
    }
}

extension JinjaValue: ExpressibleByStringLiteral {
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JinjaValue: ExpressibleByIntegerLiteral {
    /// An integer value.
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension JinjaValue: ExpressibleByFloatLiteral {
    /// A floating-point value.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JinjaValue: ExpressibleByBooleanLiteral {
    /// A boolean value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JinjaValue: ExpressibleByNilLiteral {
    /// `nil` is `.null`, Python's `None`.
    public init(nilLiteral: ()) { self = .null }
}

extension JinjaValue: ExpressibleByArrayLiteral {
    /// A list value.
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
}

extension JinjaValue: ExpressibleByDictionaryLiteral {
    /// An object whose keys keep the order they are written in.
    public init(dictionaryLiteral elements: (String, JinjaValue)...) {
        self = .object(JinjaObject(elements))
    }
}

extension JinjaValue {
    /// The text, when this is a string (plain or markup).
    public var stringValue: String? {
        switch self {
        case .string(let value), .markup(let value): value
        default: nil
        }
    }

    /// Markup as a plain string, anything else unchanged: for operations where the difference
    /// does not matter.
    var plain: JinjaValue {
        if case .markup(let text) = self { return .string(text) }
        return self
    }

    /// The object, when this is an object.
    public var objectValue: JinjaObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, when this is a list.
    public var arrayValue: [JinjaValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Whether this is `.undefined`.
    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }
}
