/// The prompt sets `sluice bench serve` can send, named as `vllm bench serve --dataset-name` names them.
public enum DatasetName: String, CaseIterable, Codable, Sendable {
    /// First human turns of ShareGPT V3 conversations; output lengths from the replies.
    case sharegpt
    /// Random words of exact input and output lengths in tokens.
    case random
    /// A shared system prompt of a set length plus a ShareGPT question per request.
    case prefix

    /// The dataset named `name`, or an error that lists the known ones.
    public static func parse(_ name: String) throws(BenchError) -> DatasetName {
        guard let dataset = DatasetName(rawValue: name.lowercased()) else { throw .unknownDataset(name) }
        return dataset
    }
}

/// The OpenAI endpoint a benchmark streams from.
public enum Endpoint: String, CaseIterable, Codable, Sendable {
    /// `POST /v1/completions` with a `prompt`.
    case completions
    /// `POST /v1/chat/completions` with `messages`.
    case chat

    /// The endpoint named `name`, or an error that lists the known ones.
    public static func parse(_ name: String) throws(BenchError) -> Endpoint {
        guard let endpoint = Endpoint(rawValue: name.lowercased()) else { throw .unknownEndpoint(name) }
        return endpoint
    }

    /// The path under the server's root.
    public var path: String {
        switch self {
        case .completions: "/v1/completions"
        case .chat: "/v1/chat/completions"
        }
    }
}
