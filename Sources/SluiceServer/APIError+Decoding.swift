extension APIError {
    /// A 400 that says which field of the request body is wrong and how, from a JSON decoding error.
    init(decodingError error: DecodingError) {
        switch error {
        case let .typeMismatch(type, context):
            let path = Self.path(context.codingPath)
            self = .badRequest("\(path.isEmpty ? "The request body" : path) must be \(Self.describe(type)).",
                               param: path.isEmpty ? nil : path)
        case let .valueNotFound(type, context):
            let path = Self.path(context.codingPath)
            self = .badRequest("\(path.isEmpty ? "The request body" : path) must be \(Self.describe(type)), not null.",
                               param: path.isEmpty ? nil : path)
        case let .keyNotFound(key, context):
            let path = Self.path(context.codingPath + [key])
            self = .badRequest("\(path) is required.", param: path)
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            self = .badRequest("The request body is not valid JSON: \(Self.underlyingReason(context)).")
        case let .dataCorrupted(context):
            let path = Self.path(context.codingPath)
            self = .badRequest("\(path): \(context.debugDescription)", param: path)
        @unknown default:
            self = .badRequest("The request body could not be read as JSON.")
        }
    }

    /// A coding path as a reader writes it: `messages[0].content`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return path
    }

    /// A Swift type as a JSON type, with its article.
    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is [Any].Type: return "an array"
        case is [String: Any].Type: return "an object"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a valid value"
        }
    }

    /// The parser's own reason for malformed JSON, which says where it stopped.
    private static func underlyingReason(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError {
            return String(describing: underlying)
        }
        return context.debugDescription
    }
}
