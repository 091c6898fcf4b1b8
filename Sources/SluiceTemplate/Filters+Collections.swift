/// Filters over sequences: `map`, `select`, `selectattr` and their `reject` twins, `sort`,
/// `unique`, `dictsort`, `min`, `max`, `sum` and `batch`. Those that are generators in jinja2
/// return `.iterator` values so they stay one-pass and lengthless, as templates see them there.
extension Filters {
    static func applyCollectionFilter(_ name: String, to value: JinjaValue, _ arguments: CallArguments, renderer: Renderer) throws(JinjaError) -> JinjaValue {
        switch name {
        case "map":
            // jinja2 checks `if value:`, so a falsy input maps to nothing without being iterated.
            guard value.isTruthy else { return .iterator(JinjaIterator([])) }
            let transform = try mapFunction(arguments, renderer: renderer)
            var results: [JinjaValue] = []
            for item in try renderer.iterate(value) { results.append(try transform(item)) }
            return .iterator(JinjaIterator(results))
        case "select", "reject", "selectattr", "rejectattr":
            guard value.isTruthy else { return .iterator(JinjaIterator([])) }
            let keep = try selectFunction(arguments, byAttribute: name.hasSuffix("attr"), renderer: renderer)
            let wanted = name.hasPrefix("select")
            var results: [JinjaValue] = []
            for item in try renderer.iterate(value) where try keep(item) == wanted { results.append(item) }
            return .iterator(JinjaIterator(results))
        case "sort":
            let slots = try arguments.bind(name, ["reverse", "case_sensitive", "attribute"])
            let items = try renderer.iterate(value)
            let keyFor = try sortKey(attribute: slots[2], caseSensitive: slots[1]?.isTruthy ?? false, renderer: renderer)
            return .array(try stableSort(items, keys: try items.map { item throws(JinjaError) in try keyFor(item) }, descending: slots[0]?.isTruthy ?? false))
        case "unique":
            let slots = try arguments.bind(name, ["case_sensitive", "attribute"])
            let getter = try attributeGetter(slots[1], caseSensitive: slots[0]?.isTruthy ?? false, renderer: renderer)
            var seen: [JinjaValue] = []
            var results: [JinjaValue] = []
            for item in try renderer.iterate(value) {
                let key = try getter(item)
                switch key {
                case .array, .object, .namespace: throw .runtime("unhashable type: '\(key.typeName)'")
                default: break
                }
                if !seen.contains(where: { PythonComparison.equals($0, key) }) {
                    seen.append(key)
                    results.append(item)
                }
            }
            return .iterator(JinjaIterator(results))
        case "dictsort":
            let slots = try arguments.bind(name, ["case_sensitive", "by", "reverse"])
            guard case .object(let object) = value else { throw .runtime("dictsort: '\(value.typeName)' object has no attribute 'items'") }
            let byValue: Bool
            switch slots[1]?.pythonString ?? "key" {
            case "key": byValue = false
            case "value": byValue = true
            default: throw .runtime("You can only sort by either \"key\" or \"value\"")
            }
            let caseSensitive = slots[0]?.isTruthy ?? false
            let pairs: [JinjaValue] = object.pythonEntries.map { [$0.key, $0.value] }
            let keys = object.pythonEntries.map { entry in
                let key = byValue ? entry.value : entry.key
                return caseSensitive ? key : lowercased(key)
            }
            return .array(try stableSort(pairs, keys: keys, descending: slots[2]?.isTruthy ?? false))
        case "min", "max":
            let slots = try arguments.bind(name, ["case_sensitive", "attribute"])
            let items = try renderer.iterate(value)
            guard var best = items.first else { return .undefined }
            let getter = try attributeGetter(slots[1], caseSensitive: slots[0]?.isTruthy ?? false, renderer: renderer)
            var bestKey = try getter(best)
            for item in items.dropFirst() {
                let key = try getter(item)
                let order = try PythonComparison.order(key, bestKey)
                if name == "min" ? order < 0 : order > 0 {
                    best = item
                    bestKey = key
                }
            }
            return best
        case "sum":
            let slots = try arguments.bind(name, ["attribute", "start"])
            if slots[1]?.stringValue != nil { throw .runtime("sum() can't sum strings [use ''.join(seq) instead]") }
            var total = slots[1] ?? .int(0)
            let getter = try attributeGetter(slots[0], caseSensitive: true, renderer: renderer)
            for item in try renderer.iterate(value) {
                total = try Arithmetic.binary(.add, total, try getter(item), renderer: renderer)
            }
            return total
        case "batch":
            let slots = try arguments.bind(name, ["linecount", "fill_with"], required: 1)
            let size = try integer(slots[0], default: 1, name)
            guard size > 0 else { throw .runtime("batch: linecount must be positive") }
            let items = try renderer.iterate(value)
            var batches: [JinjaValue] = []
            for start in stride(from: 0, to: items.count, by: size) {
                var chunk = Array(items[start..<min(start + size, items.count)])
                if let fill = slots[1], fill != .null, chunk.count < size {
                    chunk += Array(repeating: fill, count: size - chunk.count)
                }
                batches.append(.array(chunk))
            }
            try renderer.checkNesting(of: batches)
            return .iterator(JinjaIterator(batches))
        default:
            throw .runtime("No filter named '\(name)' found.")
        }
    }

    /// jinja2's `make_attrgetter`: follows a dotted path (`"function.name"`, digits as indexes)
    /// with subscript semantics; no attribute gives the item itself. Strings are lowercased for
    /// comparison unless `caseSensitive`.
    static func attributeGetter(
        _ attribute: JinjaValue?, caseSensitive: Bool = true, defaultValue: JinjaValue? = nil, renderer: Renderer
    ) throws(JinjaError) -> (JinjaValue) throws(JinjaError) -> JinjaValue {
        var parts: [JinjaValue] = []
        switch attribute?.plain {
        case nil, .null?: break
        case .string(let path)?: parts = path.split(separator: ".", omittingEmptySubsequences: false).map { Int($0).map(JinjaValue.int) ?? .string(String($0)) }
        case let other?: parts = [other]
        }
        return { item throws(JinjaError) in
            var current = item
            for part in parts {
                current = try renderer.item(of: current, key: part)
                if let defaultValue, case .undefined = current { current = defaultValue }
            }
            return caseSensitive ? current : lowercased(current)
        }
    }

    static func lowercased(_ value: JinjaValue) -> JinjaValue {
        if let text = value.stringValue { return .string(text.lowercased()) }
        return value
    }

    /// The key `sort` compares: a list of the comma-separated attributes (or of the item itself).
    static func sortKey(attribute: JinjaValue?, caseSensitive: Bool, renderer: Renderer) throws(JinjaError) -> (JinjaValue) throws(JinjaError) -> JinjaValue {
        var getters: [(JinjaValue) throws(JinjaError) -> JinjaValue] = []
        if case .string(let list)? = attribute?.plain {
            for path in list.split(separator: ",", omittingEmptySubsequences: false) {
                getters.append(try attributeGetter(.string(String(path)), caseSensitive: caseSensitive, renderer: renderer))
            }
        } else {
            getters.append(try attributeGetter(attribute, caseSensitive: caseSensitive, renderer: renderer))
        }
        return { item throws(JinjaError) in
            var key: [JinjaValue] = []
            for getter in getters { key.append(try getter(item)) }
            return .array(key)
        }
    }

    /// Python's `sorted(items, key=..., reverse=...)`: stable, and descending order keeps equal
    /// items in their original order.
    static func stableSort(_ items: [JinjaValue], keys: [JinjaValue], descending: Bool) throws(JinjaError) -> [JinjaValue] {
        var failure: JinjaError?
        let order = items.indices.sorted { a, b in
            guard failure == nil else { return false }
            do throws(JinjaError) {
                let comparison = try PythonComparison.order(keys[a], keys[b])
                if comparison != 0 { return descending ? comparison > 0 : comparison < 0 }
            } catch {
                failure = error
            }
            return a < b
        }
        if let failure { throw failure }
        return order.map { items[$0] }
    }

    /// What `map` applies: `map(attribute='x', default=...)` or `map('filter', args...)`.
    static func mapFunction(_ arguments: CallArguments, renderer: Renderer) throws(JinjaError) -> (JinjaValue) throws(JinjaError) -> JinjaValue {
        if arguments.positional.isEmpty, let attribute = arguments.keywords.first(where: { $0.name == "attribute" }) {
            if let extra = arguments.keywords.first(where: { $0.name != "attribute" && $0.name != "default" }) {
                throw .runtime("Unexpected keyword argument '\(extra.name)'")
            }
            let defaultValue = arguments.keywords.first(where: { $0.name == "default" })?.value
            return try attributeGetter(attribute.value, defaultValue: defaultValue == .null ? nil : defaultValue, renderer: renderer)
        }
        guard case .string(let filter)? = arguments.positional.first?.plain else { throw .runtime("map requires a filter argument") }
        guard names.contains(filter) else { throw .runtime("no filter named '\(filter)'") }
        let rest = CallArguments(positional: Array(arguments.positional.dropFirst()), keywords: arguments.keywords)
        return { item throws(JinjaError) in try apply(filter, to: item, rest, renderer: renderer) }
    }

    /// What `select` and friends keep: a test on the item (or one of its attributes), or plain
    /// truthiness when no test is named.
    static func selectFunction(_ arguments: CallArguments, byAttribute: Bool, renderer: Renderer) throws(JinjaError) -> (JinjaValue) throws(JinjaError) -> Bool {
        var positional = arguments.positional
        var getter: (JinjaValue) throws(JinjaError) -> JinjaValue = { item throws(JinjaError) in item }
        if byAttribute {
            guard !positional.isEmpty else { throw .runtime("Missing parameter for attribute name") }
            getter = try attributeGetter(positional.removeFirst(), renderer: renderer)
        }
        guard !positional.isEmpty else {
            return { item throws(JinjaError) in try getter(item).isTruthy }
        }
        guard case .string(let test) = positional.removeFirst().plain else { throw .runtime("select: the test name must be a string") }
        guard BuiltinTests.names.contains(test) else { throw .runtime("no test named '\(test)'") }
        let rest = CallArguments(positional: positional, keywords: arguments.keywords)
        return { item throws(JinjaError) in try BuiltinTests.apply(test, to: try getter(item), rest, renderer: renderer) }
    }
}
