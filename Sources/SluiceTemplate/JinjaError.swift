/// Why a template could not be parsed or rendered.
public enum JinjaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template text is not valid Jinja; the location is where parsing stopped.
    case syntax(String, at: SourceLocation)
    /// An expression failed while rendering (an unknown name was called, a string was added to a
    /// number...); the location is the innermost expression that failed, when known.
    case runtime(String, at: SourceLocation?)
    /// The template called `raise_exception(message)`, as chat templates do to reject a
    /// conversation they cannot format; the message is the template author's, shown as is.
    case raised(String)
    /// Rendering stopped because it ran past a `RenderLimits` bound.
    case limitExceeded(String)
    /// Text given to `JinjaValue(parsingJSON:)` is not valid JSON.
    case invalidJSON(String)

    /// What went wrong, with the template line and column where there is one.
    public var description: String {
        switch self {
        case .syntax(let message, let location):
            "chat template \(location): \(message)"
        case .runtime(let message, let location):
            if let location { "chat template \(location): \(message)" } else { "chat template: \(message)" }
        case .raised(let message):
            message
        case .limitExceeded(let message):
            "chat template stopped: \(message)"
        case .invalidJSON(let message):
            "invalid JSON: \(message)"
        }
    }

    /// This error with `location` attached, if it is a runtime error that has none yet.
    func located(at location: SourceLocation) -> JinjaError {
        if case .runtime(let message, nil) = self { return .runtime(message, at: location) }
        return self
    }

    /// A runtime error whose location the renderer fills in from the failing expression.
    static func runtime(_ message: String) -> JinjaError {
        .runtime(message, at: nil)
    }
}

/// A position in template text: 1-based line and column, columns counted in Unicode scalars.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line.
    public let line: Int
    /// The 1-based column.
    public let column: Int

    /// A location.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// "line 3, column 14".
    public var description: String { "line \(line), column \(column)" }
}
