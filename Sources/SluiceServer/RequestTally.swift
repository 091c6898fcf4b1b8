import Logging
import SluiceEngine

/// What one API request produced, for its log line and for the metrics: fed each output, then
/// finished once, on every path out of the handler.
struct RequestTally {
    let requestID: String
    let numPromptTokens: Int
    private let start = ContinuousClock.now
    private var numOutputTokens: [Int]
    private var finishReasons: [FinishReason?]
    private var timeToFirstToken: Duration?
    /// Each choice's prompt tokens found in the prefix cache, from its last output.
    private var numCachedTokens: [Int?]

    /// A tally for `numChoices` choices over prompts of `numPromptTokens` tokens in all.
    init(requestID: String, numChoices: Int, numPromptTokens: Int) {
        self.requestID = requestID
        self.numPromptTokens = numPromptTokens
        numOutputTokens = Array(repeating: 0, count: numChoices)
        finishReasons = Array(repeating: nil, count: numChoices)
        numCachedTokens = Array(repeating: nil, count: numChoices)
    }

    /// Tokens generated over every choice so far.
    var totalOutputTokens: Int { numOutputTokens.reduce(0, +) }

    /// Counts one output of choice `choice`; a finished choice goes to the metrics at once.
    mutating func record(_ output: RequestOutput, choice: Int, metrics: ServerMetrics) {
        if timeToFirstToken == nil, !output.tokenIDs.isEmpty { timeToFirstToken = .now - start }
        numOutputTokens[choice] = output.numOutputTokens
        if let cached = output.metrics?.numCachedTokens { numCachedTokens[choice] = cached }
        if let reason = output.finishReason {
            finishReasons[choice] = reason
            metrics.recordCompletion(finishReason: reason, numGenerationTokens: output.numOutputTokens,
                                     metrics: output.metrics)
        }
    }

    /// Prompt tokens the prefix cache held, each prompt counted once (the least over its `n`
    /// choices, which share it); `nil` until every choice has finished.
    func numCachedPromptTokens(choicesPerPrompt n: Int) -> Int? {
        guard n > 0, numCachedTokens.allSatisfy({ $0 != nil }) else { return nil }
        return stride(from: 0, to: numCachedTokens.count, by: n).reduce(0) { total, first in
            total + numCachedTokens[first..<min(first + n, numCachedTokens.count)].compactMap { $0 }.min()!
        }
    }

    /// Logs the request's line and records its prompt tokens; choices that never finished (the
    /// client went away, or the engine failed) count as aborted.
    func finish(logger: Logger, metrics: ServerMetrics) {
        metrics.recordPromptTokens(numPromptTokens)
        for (choice, reason) in finishReasons.enumerated() where reason == nil {
            metrics.recordCompletion(finishReason: .abort, numGenerationTokens: numOutputTokens[choice], metrics: nil)
        }
        let reasons = Set(finishReasons.map { $0?.rawValue ?? "abort" }).sorted().joined(separator: ",")
        let ttft = timeToFirstToken.map { Self.seconds($0) } ?? "-"
        logger.info("""
            \(requestID): \(numPromptTokens) prompt tokens, \(totalOutputTokens) output tokens, \
            TTFT \(ttft), duration \(Self.seconds(.now - start)), finish reason \(reasons)
            """)
    }

    /// A duration as seconds with millisecond precision, e.g. "0.153 s".
    private static func seconds(_ duration: Duration) -> String {
        let (whole, attoseconds) = duration.components
        let milliseconds = Int(whole) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
