import SluiceEngine

extension KeyedEncodingContainer {
    /// Writes vLLM's `stop_reason`: the stop token id as a number, the stop string as a string,
    /// or null when EOS or the length limit ended the choice.
    mutating func encodeStopReason(_ reason: StopReason?, forKey key: Key) throws {
        switch reason {
        case .tokenID(let id)?: try encode(id, forKey: key)
        case .string(let text)?: try encode(text, forKey: key)
        case nil: try encodeNil(forKey: key)
        }
    }
}
