import Foundation

/// Decodes the small JSON files of a model folder with errors that name the file and the key.
enum HuggingFaceJSON {
    static func decode<Value: Decodable>(_ type: Value.Type, at path: String) throws(HuggingFaceError) -> Value {
        guard FileManager.default.fileExists(atPath: path) else { throw .cannotRead(path: path, reason: "no such file") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .cannotRead(path: path, reason: "\(error)")
        }
        return try decode(type, from: data, path: path)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from data: Data, path: String) throws(HuggingFaceError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .invalidJSON(path: path, reason: describe(error))
        }
    }

    /// A decoding error as one line: what was wrong, and at which key.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case .dataCorrupted(let context): return "not JSON (\(at(context)))"
        case .keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "\(path) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return at(context)
        @unknown default: return "\(error)"
        }
    }
}
