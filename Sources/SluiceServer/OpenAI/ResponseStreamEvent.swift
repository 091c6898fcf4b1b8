import Hummingbird

/// The typed events of a streamed Responses API answer, in OpenAI's order:
/// `response.created`, `response.in_progress`, `response.output_item.added`,
/// `response.content_part.added`, `response.output_text.delta`s, `response.output_text.done`,
/// `response.content_part.done`, `response.output_item.done`, then `response.completed` (or
/// `response.incomplete` when `max_output_tokens` cut the text, `response.failed` when the
/// engine failed). A function call is an item of its own: `response.output_item.added` (the call's name,
/// empty arguments), `response.function_call_arguments.delta`s, `response.function_call_arguments.done`,
/// `response.output_item.done`; `output_index` counts the items. A thought, under `--reasoning-parser`, is the
/// first item: `response.output_item.added` (a `reasoning` item, its content empty),
/// `response.reasoning_text.delta`s, `response.reasoning_text.done`, `response.output_item.done`. Each goes out as `event: <type>` and
/// `data: <json>` with a `sequence_number` that counts from 0.
enum ResponseStreamEvent: Sendable {
    case created(ResponseObject)
    case inProgress(ResponseObject)
    case outputItemAdded(ResponseOutputItem, outputIndex: Int)
    case contentPartAdded(itemID: String, outputIndex: Int)
    case outputTextDelta(itemID: String, outputIndex: Int, delta: String)
    case outputTextDone(itemID: String, outputIndex: Int, text: String)
    case contentPartDone(itemID: String, outputIndex: Int, text: String)
    case reasoningTextDelta(itemID: String, outputIndex: Int, delta: String)
    case reasoningTextDone(itemID: String, outputIndex: Int, text: String)
    case functionCallArgumentsDelta(itemID: String, outputIndex: Int, delta: String)
    case functionCallArgumentsDone(itemID: String, outputIndex: Int, arguments: String)
    case outputItemDone(ResponseOutputItem, outputIndex: Int)
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
        case .reasoningTextDelta: return "response.reasoning_text.delta"
        case .reasoningTextDone: return "response.reasoning_text.done"
        case .functionCallArgumentsDelta: return "response.function_call_arguments.delta"
        case .functionCallArgumentsDone: return "response.function_call_arguments.done"
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
            case type, response, item, part, delta, text, logprobs, arguments
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
            case .outputItemAdded(let item, let outputIndex), .outputItemDone(let item, let outputIndex):
                try container.encode(outputIndex, forKey: .outputIndex)
                try container.encode(item, forKey: .item)
            case .contentPartAdded(let itemID, let outputIndex):
                try encodePlace(&container, itemID: itemID, outputIndex: outputIndex)
                try container.encode(OutputTextPart(text: ""), forKey: .part)
            case .outputTextDelta(let itemID, let outputIndex, let delta):
                try encodePlace(&container, itemID: itemID, outputIndex: outputIndex)
                try container.encode(delta, forKey: .delta)
                try container.encode([String](), forKey: .logprobs)
            case .outputTextDone(let itemID, let outputIndex, let text):
                try encodePlace(&container, itemID: itemID, outputIndex: outputIndex)
                try container.encode(text, forKey: .text)
                try container.encode([String](), forKey: .logprobs)
            case .contentPartDone(let itemID, let outputIndex, let text):
                try encodePlace(&container, itemID: itemID, outputIndex: outputIndex)
                try container.encode(OutputTextPart(text: text), forKey: .part)
            case .reasoningTextDelta(let itemID, let outputIndex, let delta):
                try encodePlace(&container, itemID: itemID, outputIndex: outputIndex)
                try container.encode(delta, forKey: .delta)
            case .reasoningTextDone(let itemID, let outputIndex, let text):
                try encodePlace(&container, itemID: itemID, outputIndex: outputIndex)
                try container.encode(text, forKey: .text)
            case .functionCallArgumentsDelta(let itemID, let outputIndex, let delta):
                try container.encode(itemID, forKey: .itemID)
                try container.encode(outputIndex, forKey: .outputIndex)
                try container.encode(delta, forKey: .delta)
            case .functionCallArgumentsDone(let itemID, let outputIndex, let arguments):
                try container.encode(itemID, forKey: .itemID)
                try container.encode(outputIndex, forKey: .outputIndex)
                try container.encode(arguments, forKey: .arguments)
            }
        }

        /// Where a part or its text lies: a message or reasoning item, its one part.
        private func encodePlace(_ container: inout KeyedEncodingContainer<CodingKeys>, itemID: String, outputIndex: Int) throws {
            try container.encode(itemID, forKey: .itemID)
            try container.encode(outputIndex, forKey: .outputIndex)
            try container.encode(0, forKey: .contentIndex)
        }
    }
}
