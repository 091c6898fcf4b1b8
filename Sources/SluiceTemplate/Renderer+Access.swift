/// Attribute access, subscripts, slices and iteration, following jinja2's sandboxed environment:
/// `a.b` tries Python attributes (methods) before dict keys, `a['b']` tries keys before methods,
/// and a lookup that finds nothing is undefined rather than an error.
extension Renderer {
    /// `value.name`
    func attribute(of value: JinjaValue, named name: String) throws(JinjaError) -> JinjaValue {
        switch value {
        case .object(let object):
            if let method = Methods.dictionaryMethod(name, of: object) { return method }
            return object[name] ?? .undefined
        case .string(let text):
            return Methods.stringMethod(name, of: text) ?? .undefined
        case .markup(let text):
            return Methods.stringMethod(name, of: text, isMarkup: true) ?? .undefined
        case .array(let items):
            return Methods.listMethod(name, of: items) ?? .undefined
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined
        case .undefined:
            throw .runtime("cannot read attribute '\(name)' of an undefined value")
        default:
            return .undefined
        }
    }

    /// `value[key]`: list and string positions (negative counts from the end), dict keys, then
    /// methods for a string key; anything else is undefined.
    func item(of value: JinjaValue, key keyValue: JinjaValue) throws(JinjaError) -> JinjaValue {
        let key = keyValue.plain
        switch (value, key) {
        case (.undefined, _):
            throw .runtime("cannot subscript an undefined value")
        case (.array(let items), _):
            if let position = key.pythonIndex {
                return Self.element(at: position, count: items.count).map { items[$0] } ?? .undefined
            }
        case (.string(let text), _), (.markup(let text), _):
            if let position = key.pythonIndex {
                let scalars = Array(text.unicodeScalars)
                let character = Self.element(at: position, count: scalars.count).map { String(scalars[$0]) }
                guard let character else { return .undefined }
                if case .markup = value { return .markup(character) }
                return .string(character)
            }
        case (.object(let object), _):
            if let found = object[pythonKey: key] { return found }
        case (.namespace(let namespace), .string(let name)):
            return namespace.attributes[name] ?? .undefined
        default:
            break
        }
        if case .string(let name) = key { return try attribute(of: value, named: name) }
        return .undefined
    }

    /// The array index for a Python index, or nil when out of range.
    static func element(at position: Int, count: Int) -> Int? {
        let index = position < 0 ? position + count : position
        return index >= 0 && index < count ? index : nil
    }

    /// `value[start:stop:step]` with Python's clamping; bounds that are not integers make the
    /// result undefined, as the failing Python subscript does in jinja2.
    func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws(JinjaError) -> JinjaValue {
        func bound(_ value: JinjaValue?) -> Int?? {
            guard let value, value != .null else { return .some(nil) }
            guard let index = value.pythonIndex else { return nil }
            return .some(index)
        }
        guard let startIndex = bound(start), let stopIndex = bound(stop), let stepValue = bound(step) else { return .undefined }
        let stride = stepValue ?? 1
        guard stride != 0 else { throw .runtime("slice step cannot be zero") }
        switch value {
        case .array(let items):
            let indices = Self.sliceIndices(count: items.count, start: startIndex, stop: stopIndex, step: stride)
            return .array(indices.map { items[$0] })
        case .string(let text), .markup(let text):
            let scalars = Array(text.unicodeScalars)
            let indices = Self.sliceIndices(count: scalars.count, start: startIndex, stop: stopIndex, step: stride)
            let sliced = PythonString.string(indices.map { scalars[$0] })
            if case .markup = value { return .markup(sliced) }
            return .string(sliced)
        default:
            return .undefined
        }
    }

    /// The positions a Python slice selects (CPython's `PySlice_AdjustIndices`).
    static func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int) -> [Int] {
        func clamp(_ value: Int?, default defaultValue: Int) -> Int {
            guard var index = value else { return defaultValue }
            if index < 0 {
                index += count
                if index < 0 { index = step < 0 ? -1 : 0 }
            } else if index >= count {
                index = step < 0 ? count - 1 : count
            }
            return index
        }
        let first = clamp(start, default: step < 0 ? count - 1 : 0)
        let end = clamp(stop, default: step < 0 ? -1 : count)
        var indices: [Int] = []
        var index = first
        while step > 0 ? index < end : index > end {
            indices.append(index)
            index += step
        }
        return indices
    }

    /// The items a `for` loop or filter sees: list elements, dict keys, string characters, the
    /// rest of an iterator, or nothing for undefined.
    func iterate(_ value: JinjaValue) throws(JinjaError) -> [JinjaValue] {
        let items: [JinjaValue]
        switch value {
        case .array(let elements): items = elements
        case .object(let object): items = object.pythonKeys
        case .string(let text), .markup(let text): items = text.unicodeScalars.map { .string(String($0)) }
        case .iterator(let iterator): items = iterator.drain()
        case .undefined: items = []
        default: throw .runtime("'\(value.typeName)' object is not iterable")
        }
        try step(items.count)
        return items
    }
}

extension JinjaValue {
    /// The integer a Python subscript would use: ints and booleans.
    var pythonIndex: Int? {
        switch self {
        case .int(let value): value
        case .bool(let value): value ? 1 : 0
        default: nil
        }
    }
}
