/// What a `for` loop exposes as `loop`: position, neighbours, `cycle()` and `changed()`.
final class LoopState {
    let items: [JinjaValue]
    /// The arguments of the last `loop.changed(...)` call.
    private var lastChanged: [JinjaValue]?

    init(items: [JinjaValue]) {
        self.items = items
    }

    /// The `loop` object for iteration `index`, with jinja2's attribute names.
    func loopVariable(at index: Int) -> JinjaValue {
        let count = items.count
        var object: JinjaObject = [
            "index": .int(index + 1),
            "index0": .int(index),
            "revindex": .int(count - index),
            "revindex0": .int(count - index - 1),
            "first": .bool(index == 0),
            "last": .bool(index == count - 1),
            "length": .int(count),
            "depth": 1,
            "depth0": 0,
        ]
        if index > 0 { object["previtem"] = items[index - 1] }
        if index < count - 1 { object["nextitem"] = items[index + 1] }
        object["cycle"] = .callable(JinjaCallable(name: "cycle", kind: .method) { arguments, _ throws(JinjaError) in
            guard !arguments.positional.isEmpty else { throw .runtime("no items for cycling given") }
            return arguments.positional[index % arguments.positional.count]
        })
        object["changed"] = .callable(JinjaCallable(name: "changed", kind: .method) { [self] arguments, _ throws(JinjaError) in
            let values = arguments.positional
            defer { lastChanged = values }
            guard let previous = lastChanged else { return true }
            return .bool(!previous.elementsEqual(values, by: PythonComparison.equals))
        })
        return .object(object)
    }
}
