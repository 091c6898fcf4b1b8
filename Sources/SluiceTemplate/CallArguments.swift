/// The arguments of a call, filter or test after evaluation.
struct CallArguments {
    var positional: [JinjaValue] = []
    var keywords: [(name: String, value: JinjaValue)] = []
    /// The body of a `{% call %}` block, which the called macro sees as `caller`.
    var caller: JinjaValue?

    init(positional: [JinjaValue] = [], keywords: [(name: String, value: JinjaValue)] = []) {
        self.positional = positional
        self.keywords = keywords
    }

    /// Matches the arguments to a Python-style signature, returning one slot per parameter (nil
    /// where the caller passed nothing). Errors read like Python's, since that is what template
    /// authors see from jinja2.
    func bind(
        _ function: String, _ parameters: [String], required: Int = 0, positionalOnly: Bool = false
    ) throws(JinjaError) -> [JinjaValue?] {
        guard positional.count <= parameters.count else {
            throw .runtime("\(function)() takes at most \(parameters.count) argument\(parameters.count == 1 ? "" : "s") (\(positional.count) given)")
        }
        var slots: [JinjaValue?] = positional + Array(repeating: nil, count: parameters.count - positional.count)
        if positionalOnly && !keywords.isEmpty { throw .runtime("\(function)() takes no keyword arguments") }
        for (name, value) in keywords {
            guard let index = parameters.firstIndex(of: name) else {
                throw .runtime("\(function)() got an unexpected keyword argument '\(name)'")
            }
            guard slots[index] == nil else { throw .runtime("\(function)() got multiple values for argument '\(name)'") }
            slots[index] = value
        }
        for index in 0..<required where slots[index] == nil {
            throw .runtime("\(function)() missing required argument '\(parameters[index])'")
        }
        return slots
    }
}
