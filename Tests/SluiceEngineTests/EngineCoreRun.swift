@testable import SluiceEngine

/// What stepping an ``EngineCore`` until it is idle gave, per child request.
struct EngineCoreRun {
    /// Every token each child request sampled, in order.
    var tokens: [RequestID: [Int]] = [:]
    /// Each child request's last output, with its finish reason and counts.
    var last: [RequestID: EngineCoreOutput] = [:]

    mutating func record(_ outputs: EngineCoreOutputs) {
        for output in outputs.outputs {
            tokens[output.requestID, default: []].append(output.token.tokenID)
            last[output.requestID] = output
        }
    }
}

extension EngineCore {
    /// Steps until no request is left.
    func runUntilIdle() throws -> EngineCoreRun {
        var run = EngineCoreRun()
        while hasUnfinishedRequests { run.record(try step()) }
        return run
    }
}
