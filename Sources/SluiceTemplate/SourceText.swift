/// Template text prepared as jinja2 prepares it, with a table for turning offsets into locations.
///
/// jinja2 turns every `\r\n` and `\r` into `\n` before lexing (string literals included) and drops
/// one trailing newline (`keep_trailing_newline=False`); templates rely on both.
struct SourceText: Sendable {
    /// The text as Unicode scalars, so offsets are O(1) and count what Python counts.
    let scalars: [Unicode.Scalar]
    /// The offset where each line starts.
    private let lineStarts: [Int]

    init(_ source: String) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousWasCarriageReturn = false
        for scalar in source.unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                previousWasCarriageReturn = true
                continue
            }
            if scalar == "\n" && previousWasCarriageReturn {
                previousWasCarriageReturn = false
                continue
            }
            previousWasCarriageReturn = false
            scalars.append(scalar)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        self.scalars = scalars
        var lineStarts = [0]
        for (offset, scalar) in scalars.enumerated() where scalar == "\n" {
            lineStarts.append(offset + 1)
        }
        self.lineStarts = lineStarts
    }

    /// The line and column of `offset`.
    func location(of offset: Int) -> SourceLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return SourceLocation(line: low + 1, column: offset - lineStarts[low] + 1)
    }

    /// The text between two offsets.
    func text(_ range: Range<Int>) -> String {
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[range])
        return String(result)
    }
}
