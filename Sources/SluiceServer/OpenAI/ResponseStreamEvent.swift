import Hummingbird

/// The typed events of a streamed Responses API answer, in OpenAI's order:
/// `response.created`, `response.in_progress`, `response.output_item.added`,
/// `response.content_part.added`, `response.output_text.delta`s, `response.output_text.done`,
/// `response.content_part.done`, `response.output_item.done`, then `response.completed` (or
/// `response.incomplete` when `max_output_tokens` cut the text, `response.failed` when the
/// engine failed). Each goes out as `event: <type>` and `data: <json>` with a
/// `sequence_number` that counts from 0.
enum ResponseStreamEvent: Sendable {
    case created(ResponseObject)
    case inProgress(ResponseObject)
    case outputItemAdded(ResponseOutputMessage)
    case contentPartAdded(itemID: String)
    case outputTextDelta(itemID: String, delta: String)
    case outputTextDone(itemID: String, text: String)
    case contentPartDone(itemID: String, text: String)
    case outputItemDone(ResponseOutputMessage)
    /// The closing event; its type follows the response's status.
    case finished(ResponseObject)

    var type: String {
        switch self {
        case .created: return "response.created"
        case .inProgress: return "response.in_progress"
        case .outputItemAdded: return "response.output_item.added"
        case .contentPartAdded: return "response.content_part.added"
        case .outputTextDelta: return "response.output_text.delta"
        case .outputTextDone: return "response.output_text.done"
        case .contentPartDone: return "response.content_part.done"
        case .outputItemDone: return "response.output_item.done"
        case .finished(let response):
            switch response.status {
            case "incomplete": return "response.incomplete"
            case "failed": return "response.failed"
            default: return "response.completed"
            }
        }
    }

    /// The event as `event: <type>\ndata: <json>\n\n`.
    func serverSentEvent(sequenceNumber: Int) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: \(type)\ndata: ")
        var json = try JSONBody.encode(Payload(event: self, sequenceNumber: sequenceNumber))
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }

    private struct Payload: Encodable {
        let event: ResponseStreamEvent
        let sequenceNumber: Int

        enum CodingKeys: String, CodingKey {
            case type, response, item, part, delta, text, logprobs
            case sequenceNumber = "sequence_number"
            case outputIndex = "output_index"
            case contentIndex = "content_index"
            case itemID = "item_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(event.type, forKey: .type)
            try container.encode(sequenceNumber, forKey: .sequenceNumber)
            switch event {
            case .created(let response), .inProgress(let response), .finished(let response):
                try container.encode(response, forKey: .response)
            case .outputItemAdded(let item), .outputItemDone(let item):
                try container.encode(0, forKey: .outputIndex)
                try container.encode(item, forKey: .item)
            case .contentPartAdded(let itemID):
                try encodePlace(&container, itemID: itemID)
                try container.encode(OutputTextPart(text: ""), forKey: .part)
            case .outputTextDelta(let itemID, let delta):
                try encodePlace(&container, itemID: itemID)
                try container.encode(delta, forKey: .delta)
                try container.encode([String](), forKey: .logprobs)
            case .outputTextDone(let itemID, let text):
                try encodePlace(&container, itemID: itemID)
                try container.encode(text, forKey: .text)
                try container.encode([String](), forKey: .logprobs)
            case .contentPartDone(let itemID, let text):
                try encodePlace(&container, itemID: itemID)
                try container.encode(OutputTextPart(text: text), forKey: .part)
            }
        }

        /// Where a part or its text lies: the one message item, its one part.
        private func encodePlace(_ container: inout KeyedEncodingContainer<CodingKeys>, itemID: String) throws {
            try container.encode(itemID, forKey: .itemID)
            try container.encode(0, forKey: .outputIndex)
            try container.encode(0, forKey: .contentIndex)
        }
    }
}
