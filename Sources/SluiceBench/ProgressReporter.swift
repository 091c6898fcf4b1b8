import Foundation

/// Shows a pass's progress on stderr: a bar redrawn in place on a terminal, else a plain line at
/// every 10% so that logs stay readable.
public struct ProgressReporter {
    private let total: Int
    private let title: String
    private let isTerminal: Bool
    private let start = ContinuousClock.now
    private var completed = 0
    private var failed = 0
    private var lastTenth = 0

    public init(total: Int, title: String, isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.title = title
        self.isTerminal = isTerminal
        if isTerminal { draw() }
    }

    /// Counts one finished request.
    public mutating func record(_ outcome: RequestOutcome) {
        if outcome.succeeded { completed += 1 } else { failed += 1 }
        if isTerminal {
            draw()
        } else {
            let percent = total > 0 ? (completed + failed) * 100 / total : 100
            if percent / 10 > lastTenth {
                lastTenth = percent / 10
                write("\(title): \(percent)% (\(status))\n")
            }
        }
    }

    /// Ends the bar's line on a terminal.
    public func finish() {
        if isTerminal { write("\n") }
    }

    private var status: String {
        let seconds = String(format: "%.1f s", start.duration(to: .now).inSeconds)
        return "\(completed + failed)/\(total) requests, \(failed) failed, \(seconds)"
    }

    private func draw() {
        let width = 30
        let filled = total > 0 ? (completed + failed) * width / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        // \r returns to the line's start and ESC[K clears what a longer line left behind.
        write("\r\(title) [\(bar)] \(status)\u{1B}[K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
