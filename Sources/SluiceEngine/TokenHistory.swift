/// What a ``LogitsProcessor`` may read of its request at a step: the prompt and the tokens generated
/// so far, as slices of the request's one token array (nothing is copied per step).
public struct TokenHistory {
    public let promptTokenIDs: ArraySlice<Int>
    public let outputTokenIDs: ArraySlice<Int>

    public init(promptTokenIDs: ArraySlice<Int>, outputTokenIDs: ArraySlice<Int>) {
        self.promptTokenIDs = promptTokenIDs
        self.outputTokenIDs = outputTokenIDs
    }
}
