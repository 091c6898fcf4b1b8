import Foundation

/// The functions every template can call: jinja2's `range`, `dict`, `namespace` and `joiner`,
/// plus the two Hugging Face adds for chat templates, `raise_exception` and `strftime_now`.
enum Globals {
    /// jinja2's sandbox refuses longer ranges; so do we, with the same bound.
    static let maximumRange = 100_000

    static func standard() -> [String: JinjaValue] {
        [
            "range": function("range", range),
            "dict": function("dict") { arguments, renderer throws(JinjaError) in
                let object = try mapping(arguments, function: "dict")
                try renderer.checkNesting(of: object.values)
                return .object(object)
            },
            "namespace": function("namespace") { arguments, renderer throws(JinjaError) in
                try renderer.makeNamespace(try mapping(arguments, function: "namespace"))
            },
            "joiner": function("joiner", joiner),
        ]
    }

    static func function(_ name: String, _ body: @escaping (CallArguments, Renderer) throws(JinjaError) -> JinjaValue) -> JinjaValue {
        .callable(JinjaCallable(name: name, body: body))
    }

    static func range(_ arguments: CallArguments, _ renderer: Renderer) throws(JinjaError) -> JinjaValue {
        guard arguments.keywords.isEmpty else { throw .runtime("range() takes no keyword arguments") }
        var bounds: [Int] = []
        for value in arguments.positional {
            guard let bound = value.pythonIndex else { throw .runtime("'\(value.typeName)' object cannot be interpreted as an integer") }
            bounds.append(bound)
        }
        let (start, stop, step): (Int, Int, Int)
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw .runtime("range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw .runtime("range() arg 3 must not be zero") }
        let (span, overflow) = stop.subtractingReportingOverflow(start)
        let count = overflow ? Int.max : max(0, (span + step + (step > 0 ? -1 : 1)) / step)
        guard count <= maximumRange else {
            throw .limitExceeded("range of \(count) numbers is too big; templates may use at most \(maximumRange)")
        }
        try renderer.step(count)
        return .array((0..<count).map { .int(start + $0 * step) })
    }

    /// The mapping `dict(...)` and `namespace(...)` build: an optional dict (or list of pairs)
    /// updated with the keyword arguments.
    static func mapping(_ arguments: CallArguments, function: String) throws(JinjaError) -> JinjaObject {
        guard arguments.positional.count <= 1 else { throw .runtime("\(function) expected at most 1 argument, got \(arguments.positional.count)") }
        var result = JinjaObject()
        switch arguments.positional.first {
        case nil: break
        case .object(let object)?: result = object
        case .array(let pairs)?:
            for pair in pairs {
                guard case .array(let entry) = pair, entry.count == 2, let key = JinjaObject.PythonKey(entry[0]) else {
                    throw .runtime("\(function) needs a dict or a list of (key, value) pairs")
                }
                result[key] = entry[1]
            }
        case let other?: throw .runtime("'\(other.typeName)' object is not a mapping")
        }
        for (name, value) in arguments.keywords { result[name] = value }
        return result
    }

    /// `joiner(sep)`: a function that returns "" the first time and `sep` afterwards.
    static func joiner(_ arguments: CallArguments, _ renderer: Renderer) throws(JinjaError) -> JinjaValue {
        let separator = try arguments.bind("joiner", ["sep"])[0] ?? ", "
        final class State { var used = false }
        let state = State()
        return function("joiner") { _, _ throws(JinjaError) in
            defer { state.used = true }
            return state.used ? separator : ""
        }
    }

    /// Hugging Face's `raise_exception(message)`: stops rendering with the template's message.
    static let raiseException = function("raise_exception") { arguments, _ throws(JinjaError) in
        let message = try arguments.bind("raise_exception", ["message"], required: 1)[0]!
        throw .raised(message.pythonString)
    }

    /// Hugging Face's `strftime_now(format)`: `datetime.now().strftime(format)`, with "now" fixed
    /// to `date` so one render sees one time.
    static func strftimeNow(date: Date) -> JinjaValue {
        function("strftime_now") { arguments, _ throws(JinjaError) in
            let format = try arguments.bind("strftime_now", ["format"], required: 1)[0]!
            guard let pattern = format.stringValue else { throw .runtime("strftime() argument 1 must be str, not \(format.typeName)") }
            return .string(Strftime.format(pattern, date: date))
        }
    }
}
