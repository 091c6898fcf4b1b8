import SluiceEngine

/// The output items of a streamed response as its text arrives, and the typed events that open, fill and close
/// them: a message item opens at the first content and closes when a call opens or the output ends; each call
/// is a `function_call` item whose arguments stream as deltas. A thought comes first, as a `reasoning` item whose
/// text streams as `reasoning_text` deltas and which closes when the answer starts. Without tools or a reasoning
/// parser the message opens at once, as OpenAI opens it. Only one item is open at a time, so an item's `output_index` is the count of those before it.
///
/// As ``MessagesJob/BlockSequence``, a value type whose methods return the events, tested without I/O.
struct ResponseOutputSequence {
    /// The items closed so far, in order.
    private(set) var closed: [ResponseOutputItem] = []
    private var openReasoning: ResponseReasoningItem?
    private var openMessage: ResponseOutputMessage?
    private var openCall: ResponseFunctionCall?
    /// The first message's id, given by the job (it names the response's message when there is one).
    private var nextMessageID: String?

    init(messageID: String) {
        nextMessageID = messageID
    }

    /// Opens the message item now (a request without tools or thoughts: its message always comes).
    mutating func openMessageNow() -> [ResponseStreamEvent] {
        openMessageIfNeeded()
    }

    /// The events a piece of the thought makes: the reasoning item opens with the first.
    mutating func reasoningEvents(_ text: String) -> [ResponseStreamEvent] {
        guard !text.isEmpty else { return [] }
        var events: [ResponseStreamEvent] = []
        var thought: ResponseReasoningItem
        if let open = openReasoning {
            thought = open
        } else {
            thought = ResponseReasoningItem(status: "in_progress", text: nil)
            events.append(.outputItemAdded(.reasoning(thought), outputIndex: closed.count))
        }
        thought.text = (thought.text ?? "") + text
        openReasoning = thought
        events.append(.reasoningTextDelta(itemID: thought.id, outputIndex: closed.count, delta: text))
        return events
    }

    /// The events one piece of the answer makes.
    mutating func events(for piece: ToolCallStreamer.Event) -> [ResponseStreamEvent] {
        switch piece {
        case .content(let text):
            guard !text.isEmpty else { return [] }
            var events = closeReasoning(status: "completed") + closeCall(status: "completed")
            events += openMessageIfNeeded()
            let message = openMessage!
            openMessage?.text = (message.text ?? "") + text
            events.append(.outputTextDelta(itemID: message.id, outputIndex: closed.count, delta: text))
            return events
        case .callStart(_, let name):
            var events = closeReasoning(status: "completed") + closeMessage(status: "completed")
                + closeCall(status: "completed")
            let call = ResponseFunctionCall(name: name, arguments: "", status: "in_progress")
            openCall = call
            events.append(.outputItemAdded(.functionCall(call), outputIndex: closed.count))
            return events
        case .arguments(_, let text):
            guard let call = openCall, !text.isEmpty else { return [] }
            openCall?.arguments += text
            return [.functionCallArgumentsDelta(itemID: call.id, outputIndex: closed.count, delta: text)]
        }
    }

    /// Closes what is open with `status` (the response's: `completed` or `incomplete`), giving an output that is
    /// still empty its (empty) message; a thought cut off stands alone, as chat's content is then null.
    mutating func finish(status: String) -> [ResponseStreamEvent] {
        var events = closeReasoning(status: status)
        if closed.isEmpty, openCall == nil { events += openMessageIfNeeded() }
        events += closeMessage(status: status) + closeCall(status: status)
        return events
    }

    /// The output so far, open items as they stand with `status` (a response that failed part way).
    func items(openStatus status: String) -> [ResponseOutputItem] {
        var items = closed
        if var thought = openReasoning {
            thought.status = status
            items.append(.reasoning(thought))
        }
        if var message = openMessage {
            message.status = status
            items.append(.message(message))
        }
        if var call = openCall {
            call.status = status
            items.append(.functionCall(call))
        }
        return items
    }

    private mutating func openMessageIfNeeded() -> [ResponseStreamEvent] {
        guard openMessage == nil else { return [] }
        let id = nextMessageID ?? "msg_\(RequestID.random().rawValue)"
        nextMessageID = nil
        let message = ResponseOutputMessage(id: id, status: "in_progress", text: nil)
        openMessage = ResponseOutputMessage(id: id, status: "in_progress", text: "")
        return [.outputItemAdded(.message(message), outputIndex: closed.count),
                .contentPartAdded(itemID: id, outputIndex: closed.count)]
    }

    private mutating func closeReasoning(status: String) -> [ResponseStreamEvent] {
        guard var thought = openReasoning else { return [] }
        openReasoning = nil
        thought.status = status
        let index = closed.count
        closed.append(.reasoning(thought))
        return [.reasoningTextDone(itemID: thought.id, outputIndex: index, text: thought.text ?? ""),
                .outputItemDone(.reasoning(thought), outputIndex: index)]
    }

    private mutating func closeMessage(status: String) -> [ResponseStreamEvent] {
        guard var message = openMessage else { return [] }
        openMessage = nil
        message.status = status
        let text = message.text ?? ""
        let index = closed.count
        closed.append(.message(message))
        return [.outputTextDone(itemID: message.id, outputIndex: index, text: text),
                .contentPartDone(itemID: message.id, outputIndex: index, text: text),
                .outputItemDone(.message(message), outputIndex: index)]
    }

    private mutating func closeCall(status: String) -> [ResponseStreamEvent] {
        guard var call = openCall else { return [] }
        openCall = nil
        call.status = status
        let index = closed.count
        closed.append(.functionCall(call))
        return [.functionCallArgumentsDone(itemID: call.id, outputIndex: index, arguments: call.arguments),
                .outputItemDone(.functionCall(call), outputIndex: index)]
    }
}
