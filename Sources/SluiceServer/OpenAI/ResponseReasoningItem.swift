import SluiceEngine

/// A `reasoning` output item, the model's thought before its answer: `{"type": "reasoning", "id": "rs_…",
/// "summary": [], "content": [{"type": "reasoning_text", "text"}], "status"}`, as OpenAI's Responses API gives
/// raw reasoning and vLLM's `serving_responses` fills it from its reasoning parser. Sluice writes no summary.
struct ResponseReasoningItem: Encodable, Sendable {
    var id: String
    var status: String
    /// The thought; nil in the event that opens the item, whose content is still empty.
    var text: String?

    enum CodingKeys: String, CodingKey { case type, id, summary, content, status }

    /// A thought opened now, with a fresh id.
    init(status: String, text: String?) {
        id = "rs_\(RequestID.random().rawValue)"
        self.status = status
        self.text = text
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("reasoning", forKey: .type)
        try container.encode(id, forKey: .id)
        try container.encode([String](), forKey: .summary)
        try container.encode(text.map { [ReasoningTextPart(text: $0)] } ?? [], forKey: .content)
        try container.encode(status, forKey: .status)
    }
}

/// A `reasoning_text` content part of a reasoning item.
struct ReasoningTextPart: Encodable, Sendable {
    var text: String

    enum CodingKeys: String, CodingKey { case type, text }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("reasoning_text", forKey: .type)
        try container.encode(text, forKey: .text)
    }
}
