/// A tool-call format read a character at a time: where its calls open and how what follows is read.
///
/// ``FormatCallStreamer`` drives it for a stream, and the whole-text parse is that same reading over the
/// whole text, so a streamed answer and a collected one always find the same calls (vLLM's parsers keep
/// two separate readings per format, which can disagree). Hermes has its own older reader, with fences.
protocol ToolCallFormat: ToolCallParser {
    /// The functions that may be called; nil: any name. A call to another is no call but content.
    var functionNames: Set<String>? { get }
    /// Text that opens calls wherever it appears (`[TOOL_CALLS]`); the reader starts after it.
    var openMarkers: [String] { get }
    /// Characters that open calls when the answer starts with them (after whitespace): `{` for bare JSON,
    /// `[` for a Python list. The reader starts with that character.
    var bareOpenings: Set<Unicode.Scalar> { get }
    /// A reader for the calls after `marker`, or at a bare opening when nil.
    func makeReader(after marker: String?) -> any CallRegionReader
}

extension ToolCallFormat {
    func parse(_ text: String) -> ParsedToolCalls {
        FormatCallStreamer.parse(text, format: self)
    }
}
