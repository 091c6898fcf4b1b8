/// Where a lazy structured output starts to apply: the grammar waits until the output reaches one of these,
/// constrains what follows until the grammar is complete, then lets the model go on freely and waits again
/// (llama.cpp's lazy grammars with their trigger tokens and words). A server uses it for tool calls with
/// `tool_choice: auto`: the model decides whether to call, and once it has opened a call the call must parse.
public struct GrammarTriggers: Sendable, Equatable {
    /// Tokens after which the grammar starts (Qwen2.5's `<tool_call>` is one token).
    public var tokenIDs: Set<Int>
    /// Byte strings after which the grammar starts; the bytes of the same token past the string's end are
    /// the grammar's first.
    public var patterns: [[UInt8]]
    /// A grammar that starts on trial, without constraining, and constrains only once the model itself has
    /// written far enough into it.
    public var tentative: Tentative?
    /// Whether the grammar may start again after it completed (`parallel_tool_calls`).
    public var repeats: Bool

    /// A grammar started on trial at one of `bytes` (the byte is the grammar's first): it follows the output
    /// while the output fits it, is dropped when it does not, and constrains once `committedAfterStrings` JSON
    /// strings have closed inside it. For a call object, 2: `"name"` and the function's name, which the
    /// grammar has then checked is one of the tools, so a JSON answer that merely opens with `{` or has a
    /// `name` of its own is never forced into a call.
    public struct Tentative: Sendable, Equatable {
        public var bytes: Set<UInt8>
        public var committedAfterStrings: Int

        public init(bytes: Set<UInt8>, committedAfterStrings: Int) {
            self.bytes = bytes
            self.committedAfterStrings = committedAfterStrings
        }
    }

    public init(tokenIDs: Set<Int> = [], patterns: [[UInt8]] = [], tentative: Tentative? = nil, repeats: Bool = true) {
        self.tokenIDs = tokenIDs
        self.patterns = patterns
        self.tentative = tentative
        self.repeats = repeats
    }

    /// The longest pattern: how much output the processor keeps to find one across tokens.
    var longestPattern: Int { patterns.map(\.count).max() ?? 0 }
}
