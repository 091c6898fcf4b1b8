/// Typed metadata lookups: each returns nil when the key is absent or holds another type.
extension GGUFFile {
    /// The string at `key`.
    public func string(_ key: String) -> String? {
        metadata[key]?.stringValue
    }

    /// The integer at `key`, of any integer type whose value fits in an `Int`.
    public func int(_ key: String) -> Int? {
        metadata[key]?.intValue
    }

    /// The number at `key`: a float32 or float64, or an integer.
    public func float(_ key: String) -> Double? {
        metadata[key]?.doubleValue
    }

    /// The bool at `key`.
    public func bool(_ key: String) -> Bool? {
        if case .bool(let value)? = metadata[key] { value } else { nil }
    }

    /// The array of strings at `key`.
    public func stringArray(_ key: String) -> [String]? {
        elements(key) { $0.stringValue }
    }

    /// The array at `key` when every element is an integer that fits in an `Int`.
    public func intArray(_ key: String) -> [Int]? {
        elements(key) { $0.intValue }
    }

    /// The array at `key` when every element is a number, converted to `Float`.
    public func floatArray(_ key: String) -> [Float]? {
        elements(key) { value in
            if case .float32(let float) = value { float } else { value.doubleValue.map(Float.init) }
        }
    }

    /// The elements of the array at `key`, each converted by `convert`; nil if any conversion fails.
    private func elements<Element>(_ key: String, _ convert: (GGUFValue) -> Element?) -> [Element]? {
        guard case .array(let values)? = metadata[key] else { return nil }
        var result: [Element] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let element = convert(value) else { return nil }
            result.append(element)
        }
        return result
    }
}
