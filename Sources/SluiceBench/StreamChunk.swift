import Foundation

/// One event of an OpenAI completions or chat stream, reduced to what the benchmark measures.
public enum StreamChunk: Sendable, Equatable {
    /// A chunk; `text` is the text it adds (empty for role-only or finish-only chunks) and
    /// `completionTokens` the usage count it carries, if any.
    case chunk(text: String, completionTokens: Int?)
    /// An error event sent after the stream started, with its message.
    case error(String)
    /// `[DONE]`, the end of the stream.
    case done

    /// Reads one event payload. Text is `choices[].text` (completions) or
    /// `choices[].delta.content` (chat); an error is `{"error": ...}` as OpenAI and Sluice send it,
    /// or vLLM's `{"object": "error", "message": ...}`.
    public init(payload: String) throws(BenchError) {
        if payload.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            self = .done
            return
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(payload.utf8))
        } catch {
            throw .malformedStream("an event that is not JSON: \(payload.prefix(200))")
        }
        if let error = body.error {
            self = .error(error.message)
        } else if body.object == "error" {
            self = .error(body.message ?? "error event without a message")
        } else {
            let text = (body.choices ?? []).map { $0.text ?? $0.delta?.content ?? "" }.joined()
            self = .chunk(text: text, completionTokens: body.usage?.completionTokens)
        }
    }

    private struct Body: Decodable {
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorBody?
        var object: String?
        var message: String?
    }

    private struct Choice: Decodable {
        var text: String?
        var delta: Delta?
    }

    private struct Delta: Decodable {
        var content: String?
    }

    private struct Usage: Decodable {
        var completionTokens: Int?
        enum CodingKeys: String, CodingKey { case completionTokens = "completion_tokens" }
    }

    /// `error` as an object with a message, or as a bare string.
    private struct ErrorBody: Decodable {
        var message: String

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                message = text
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try container.decodeIfPresent(String.self, forKey: .message) ?? "error event without a message"
        }

        enum CodingKeys: String, CodingKey { case message }
    }
}
