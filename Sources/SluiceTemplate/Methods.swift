/// Python methods on lists and dicts that templates call (`d.items()`, `d.get('k')`,
/// `xs.index(x)`), as bound callables.
///
/// Hugging Face renders in jinja2's `ImmutableSandboxedEnvironment`, where methods that change a
/// list or dict (`append`, `update`, `pop`...) are forbidden; they exist here only to fail the
/// same way, since a template that uses them does not work in transformers either.
enum Methods {
    static let unsafeListMethods: Set<String> = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"]
    static let unsafeDictionaryMethods: Set<String> = ["pop", "popitem", "update", "setdefault", "clear"]

    static func method(_ name: String, _ body: @escaping (CallArguments, Renderer) throws(JinjaError) -> JinjaValue) -> JinjaValue {
        .callable(JinjaCallable(name: name, kind: .method, body: body))
    }

    static func unsafe(_ name: String, typeName: String) -> JinjaValue {
        method(name) { _, _ throws(JinjaError) in
            throw .runtime("access to attribute '\(name)' of '\(typeName)' object is unsafe.")
        }
    }

    static func listMethod(_ name: String, of items: [JinjaValue]) -> JinjaValue? {
        if unsafeListMethods.contains(name) { return unsafe(name, typeName: "list") }
        switch name {
        case "index":
            return method(name) { arguments, _ throws(JinjaError) in
                let slots = try arguments.bind(name, ["value", "start", "stop"], required: 1, positionalOnly: true)
                let range = PythonString.bounds(count: items.count, start: slots[1]?.pythonIndex, end: slots[2]?.pythonIndex)
                guard let position = range.first(where: { PythonComparison.equals(items[$0], slots[0]!) }) else {
                    throw .runtime("\(slots[0]!.pythonRepr) is not in list")
                }
                return .int(position)
            }
        case "count":
            return method(name) { arguments, _ throws(JinjaError) in
                let value = try arguments.bind(name, ["value"], required: 1, positionalOnly: true)[0]!
                return .int(items.filter { PythonComparison.equals($0, value) }.count)
            }
        case "copy":
            return method(name) { arguments, _ throws(JinjaError) in
                _ = try arguments.bind(name, [])
                return .array(items)
            }
        default:
            return nil
        }
    }

    /// A dict method, which wins over a key of the same name in `d.name` lookups, as in jinja2.
    static func dictionaryMethod(_ name: String, of object: JinjaObject) -> JinjaValue? {
        if unsafeDictionaryMethods.contains(name) { return unsafe(name, typeName: "dict") }
        switch name {
        case "items":
            return method(name) { arguments, _ throws(JinjaError) in
                _ = try arguments.bind(name, [])
                return .array(object.pythonEntries.map { [$0.key, $0.value] })
            }
        case "keys":
            return method(name) { arguments, _ throws(JinjaError) in
                _ = try arguments.bind(name, [])
                return .array(object.pythonKeys)
            }
        case "values":
            return method(name) { arguments, _ throws(JinjaError) in
                _ = try arguments.bind(name, [])
                return .array(object.values)
            }
        case "get":
            return method(name) { arguments, _ throws(JinjaError) in
                let slots = try arguments.bind(name, ["key", "default"], required: 1, positionalOnly: true)
                return object[pythonKey: slots[0]!] ?? slots[1] ?? .null
            }
        case "copy":
            return method(name) { arguments, _ throws(JinjaError) in
                _ = try arguments.bind(name, [])
                return .object(object)
            }
        default:
            return nil
        }
    }
}
