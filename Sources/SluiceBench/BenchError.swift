/// Why a serving benchmark could not run, in words a user can act on.
public enum BenchError: Error, CustomStringConvertible, Equatable {
    case unknownDataset(String)
    case unknownEndpoint(String)
    case badSweepList(String)
    case badOption(String)
    case malformedStream(String)
    case malformedDataset(String)
    case notEnoughPrompts(dataset: String, usable: Int, needed: Int)
    case promptLength(String)
    case server(String)
    case fetchFailed(String)
    case resultFile(String)

    public var description: String {
        switch self {
        case .unknownDataset(let name):
            return "unknown dataset '\(name)'; choose one of \(DatasetName.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unknownEndpoint(let name):
            return "unknown endpoint '\(name)'; choose one of \(Endpoint.allCases.map(\.rawValue).joined(separator: ", "))"
        case .badSweepList(let text):
            return "--sweep-concurrency '\(text)' is not a list of positive whole numbers; write it like 1,4,16,64"
        case .badOption(let message), .promptLength(let message), .server(let message), .fetchFailed(let message),
             .resultFile(let message):
            return message
        case .malformedStream(let detail):
            return "the server's stream is malformed: \(detail)"
        case .malformedDataset(let detail):
            return "the dataset is malformed: \(detail)"
        case .notEnoughPrompts(let dataset, let usable, let needed):
            return """
                the \(dataset) dataset has \(usable) usable prompts but the run needs \(needed); \
                lower --num-prompts, --num-warmups or the sweep's levels
                """
        }
    }
}
