/// The call a tool-call streamer is opening from `CallBlockScanner` events, one for the Hermes streamer and
/// the format streamer alike: a call opens once its name is known and its arguments have gone past their
/// first character (so a block that breaks at once stays content); arguments before that wait.
struct CallOpener {
    /// Calls opened so far; the next call's index.
    var numCalls = 0
    /// The current block's call name until its call opens.
    var pendingName: String?
    private var pendingArguments: String?
    private var currentCallIndex: Int?
    /// Whether argument pieces join the previous event's, one fragment per piece of the stream (the format
    /// streamer's reader yields a character at a time).
    let joinsArguments: Bool

    init(joinsArguments: Bool) {
        self.joinsArguments = joinsArguments
    }

    /// Scanner events into call events. False when a call names a function not among `functionNames`
    /// (nil: any): the block is then no call.
    mutating func handle(_ found: [CallBlockScanner.Event], functionNames: Set<String>?,
                         _ events: inout [ToolCallStreamer.Event]) -> Bool {
        for event in found {
            switch event {
            case .name(let name):
                if let names = functionNames, !names.contains(name) { return false }
                pendingName = name
                openIfReady(&events)
            case .arguments(let text):
                if let index = currentCallIndex {
                    appendArguments(text, index: index, &events)
                } else {
                    pendingArguments = (pendingArguments ?? "") + text
                    openIfReady(&events)
                }
            case .callEnd:
                openIfReady(&events, ended: true)
                endCall()
            }
        }
        return true
    }

    /// Opens a call whose name and first arguments are known.
    mutating func open(_ name: String, _ arguments: String, _ events: inout [ToolCallStreamer.Event]) {
        let index = numCalls
        numCalls += 1
        currentCallIndex = index
        pendingArguments = nil
        events.append(.callStart(index: index, name: name))
        events.append(.arguments(index: index, arguments))
    }

    /// No call is open any more; a pending name stays.
    mutating func closeCurrent() {
        currentCallIndex = nil
    }

    /// The block's call ended (or the block did): nothing is open or pending.
    mutating func endCall() {
        currentCallIndex = nil
        pendingName = nil
        pendingArguments = nil
    }

    private mutating func openIfReady(_ events: inout [ToolCallStreamer.Event], ended: Bool = false) {
        guard currentCallIndex == nil, let name = pendingName, let arguments = pendingArguments,
              ended || arguments.unicodeScalars.count >= 2 else { return }
        open(name, arguments, &events)
    }

    private func appendArguments(_ text: String, index: Int, _ events: inout [ToolCallStreamer.Event]) {
        if joinsArguments, case .arguments(let last, let previous)? = events.last, last == index {
            events[events.count - 1] = .arguments(index: index, previous + text)
        } else {
            events.append(.arguments(index: index, text))
        }
    }
}
